from app.model.diff import DiffWord, Op, changed_word_indices, word_diff


def test_word_diff_marks_what_the_annotator_changed() -> None:
    d = word_diff("play some chairs in the kitchen", "play some jazz in the kitchen")
    assert DiffWord(Op.DELETED, "chairs") in d and DiffWord(Op.INSERTED, "jazz") in d
    assert [w.word for w in d if w.op == Op.SAME] == ["play", "some", "in", "the", "kitchen"]


def test_changed_indices_refer_to_the_new_text() -> None:
    assert changed_word_indices("turn of the lights", "turn off the lights") == {1}
    assert changed_word_indices("", "hello there") == {0, 1}
    assert changed_word_indices("same", "same") == set()
