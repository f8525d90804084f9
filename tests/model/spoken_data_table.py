"""Transcripts of what people say to a voice assistant, written for this project, each with the
personal data in it (kind and exact words) or none. Read by tests/model/test_spoken_data.py and
by packaging/spoken_data_table.py, which prints the detector's precision and recall on it."""

from __future__ import annotations

NAMES = ("Sarah", "Mister Okafor", "Priya")

# (transcript, [(kind, words)]); an empty list: nothing personal in it
TABLE: list[tuple[str, list[tuple[str, str]]]] = [
    # phone numbers, spoken and written
    (
        "my number is five five five one two three four",
        [("phone", "five five five one two three four")],
    ),
    (
        "call me back on oh seven seven double five triple seven two one",
        [("phone", "oh seven seven double five triple seven two one")],
    ),
    (
        "text nine one seven dash five five five dash zero one nine nine",
        [("phone", "nine one seven dash five five five dash zero one nine nine")],
    ),
    ("add 555-123-4567 to my contacts", [("phone", "555-123-4567")]),
    (
        "call plus four four two zero seven nine four six zero one two three",
        [("phone", "four four two zero seven nine four six zero one two three")],
    ),
    (
        "my cell is four one five eight eight eight twenty one forty",
        [("phone", "four one five eight eight eight twenty one forty")],
    ),
    # cards and other numbers
    (
        "card four five three two zero one five one one two eight three zero three six six",
        [("card", "four five three two zero one five one one two eight three zero three six six")],
    ),
    ("my card number is 4532015112830366", [("card", "4532015112830366")]),
    (
        "my account number is one two three four five six seven eight",
        [("number", "one two three four five six seven eight")],
    ),
    ("the pin is one two three four", [("number", "one two three four")]),
    ("my customer id is 88231904", [("number", "88231904")]),
    # e-mail and web
    (
        "my email is john dot smith at example dot com",
        [("email", "john dot smith at example dot com")],
    ),
    (
        "send it to priya underscore k at mail dot co dot uk",
        [("email", "priya underscore k at mail dot co dot uk")],
    ),
    ("email me at jane@example.org", [("email", "jane@example.org")]),
    ("open www dot myshop dot com", [("web", "www dot myshop dot com")]),
    ("go to example dot com slash orders", [("web", "example dot com")]),
    # spelled
    ("my surname is spelled o k a f o r", [("spelled", "o k a f o r")]),
    ("it's J-O-H-N not jon", [("spelled", "J-O-H-N")]),
    # addresses and postcodes
    ("i live at twenty two baker street", [("address", "twenty two baker street")]),
    ("deliver to 14 elm road please", [("address", "14 elm road")]),
    ("my zip code is nine oh two one oh", [("postcode", "nine oh two one oh")]),
    ("my postcode is s w one a one a a", [("postcode", "s w one a one a a")]),
    ("the postcode is SW1A 1AA", [("postcode", "SW1A 1AA")]),
    # dates of birth
    (
        "i was born on the third of may nineteen eighty seven",
        [("birth_date", "third of may nineteen eighty seven")],
    ),
    ("my date of birth is 03/05/1987", [("birth_date", "03/05/1987")]),
    (
        "my birthday is june first two thousand and five",
        [("birth_date", "june first two thousand and five")],
    ),
    # the project's names
    ("remind me to call sarah tomorrow", [("name", "sarah")]),
    ("message mister okafor that i'm late", [("name", "mister okafor")]),
    # nothing personal
    ("set a timer for five minutes", []),
    ("play track twenty one", []),
    ("what is two thousand and five times three", []),
    ("wake me up at ten thirty five", []),
    ("what happened in nineteen eighty seven", []),
    ("turn the volume to fifty", []),
    ("add two hundred and fifty grams of flour", []),
    ("how far is it to the moon in miles", []),
    ("play the nineteen nineties playlist", []),
    ("what's the weather at the weekend", []),
    ("set an alarm for six forty five tomorrow", []),
    ("order a b c blocks", []),
    ("is it going to rain in london dot", []),
    ("play my birthday playlist", []),
    ("what is one plus one", []),
    ("count to three", []),
]

# Harder ones, kept apart: what the detector is known to miss or to get partly (the precision
# and recall script counts them; the tests hold TABLE exactly).
HARD: list[tuple[str, list[tuple[str, str]]]] = [
    ("my number is five five five one two three", [("phone", "five five five one two three")]),
    ("my address is flat two forty one green lane", [("address", "flat two forty one green lane")]),
    ("it's j for juliet o h n", [("spelled", "j for juliet o h n")]),
    ("my name is john smith", [("name", "john smith")]),
    ("email john at gmail", [("email", "john at gmail")]),
    ("i was born in nineteen eighty seven", [("birth_date", "nineteen eighty seven")]),
    (
        "my phone is four one five, eight eight eight, two one four zero",
        [("phone", "four one five, eight eight eight, two one four zero")],
    ),
    (
        "call eight hundred five five five zero one nine nine",
        [("phone", "eight hundred five five five zero one nine nine")],
    ),
    ("the code is seven seven four", []),
    ("play songs from two thousand and ten to two thousand and fifteen", []),
]
