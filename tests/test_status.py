import pytest

from moderation import Action, InvalidTransition, Status, transition
from moderation.status import TRANSITIONS


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        (Status.PENDING, Action.APPROVE, Status.APPROVED),
        (Status.PENDING, Action.REJECT, Status.REJECTED),
        (Status.REJECTED, Action.APPROVE, Status.APPROVED),
        (Status.APPROVED, Action.REMOVE, Status.REMOVED),
        (Status.REMOVED, Action.RESTORE, Status.APPROVED),
    ],
)
def test_allowed_moves_lead_to_the_expected_status(current, action, expected):
    assert transition(current, action) is expected


def test_every_move_not_in_the_table_is_refused():
    for current in Status:
        for action in Action:
            if (current, action) in TRANSITIONS:
                continue
            with pytest.raises(InvalidTransition):
                transition(current, action)


def test_an_impossible_move_explains_itself_in_words_a_moderator_reads():
    with pytest.raises(InvalidTransition) as info:
        transition(Status.APPROVED, Action.APPROVE)
    message = str(info.value)
    assert message == (
        "Cannot approve this post: it is already approved and on the screens; it can be: remove."
    )
    assert info.value.current is Status.APPROVED
