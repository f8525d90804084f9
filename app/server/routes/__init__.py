"""The API's routes, one router per resource, each route thin: parse, hand a plain function to
`Calls` (calls.py) through the dependencies in deps.py, map its errors."""
