from app.model.slots import Slot, reanchor_slots, word_spans, words_in_chars

TEXT = "play some jazz in the kitchen"
JAZZ = Slot("music_genre", 2, 3)
KITCHEN = Slot("house_place", 5, 6)


def test_insertion_before_a_slot_shifts_it() -> None:
    new = "please play some jazz in the kitchen"
    assert reanchor_slots(TEXT, new, (JAZZ, KITCHEN)) == (
        Slot("music_genre", 3, 4),
        Slot("house_place", 6, 7),
    )


def test_deletion_before_a_slot_shifts_it_back() -> None:
    assert reanchor_slots(TEXT, "play jazz in the kitchen", (JAZZ,)) == (Slot("music_genre", 1, 2),)


def test_replaced_slot_word_takes_the_replacement() -> None:
    new = "play some blues in the kitchen"
    assert reanchor_slots(TEXT, new, (JAZZ,)) == (JAZZ,)


def test_words_inserted_inside_a_slot_join_it() -> None:
    old, new = "wake me at seven thirty", "wake me at seven forty five"
    assert reanchor_slots(old, new, (Slot("time", 3, 5),)) == (Slot("time", 3, 6),)


def test_slot_whose_words_are_all_deleted_is_dropped() -> None:
    assert reanchor_slots(TEXT, "play some in the kitchen", (JAZZ, KITCHEN)) == (
        Slot("house_place", 4, 5),
    )


def test_edit_after_a_slot_leaves_it_alone() -> None:
    assert reanchor_slots(TEXT, TEXT + " please", (JAZZ,)) == (JAZZ,)


def test_partial_deletion_of_a_multiword_slot_keeps_the_rest() -> None:
    old, new = "in the living room now", "in the room now"
    assert reanchor_slots(old, new, (Slot("house_place", 2, 4),)) == (Slot("house_place", 2, 3),)


def test_selection_to_words() -> None:
    assert word_spans("a  bc d") == [(0, 1), (3, 5), (6, 7)]
    assert words_in_chars(TEXT, 10, 14) == (2, 3)  # "jazz"
    assert words_in_chars(TEXT, 12, 20) == (2, 5)  # from inside "jazz" to inside "the"
    assert words_in_chars(TEXT, 11, 11) == (2, 3)  # caret inside a word
    assert words_in_chars("   ", 0, 2) is None


def test_slot_inside_a_retyped_stretch_is_dropped() -> None:
    assert reanchor_slots(TEXT, "p", (KITCHEN,)) == ()
    assert reanchor_slots(TEXT, "play some jazz near a cooker", (KITCHEN,)) == ()
