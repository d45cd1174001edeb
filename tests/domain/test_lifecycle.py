"""The closed loop as a state machine: every legal move, and refusal of the rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridtui.domain.lifecycle import (
    MOVES,
    STAYS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    transition,
)

S, A = Status, Action


def run(*actions: Action, start: Status = S.NEW) -> Status:
    status = start
    for action in actions:
        status = transition(status, action)
    return status


def test_the_closed_loop_ends_closed() -> None:
    loop = (A.DISPATCH, A.ACCEPT, A.ARRIVE, A.RESOLVE, A.FEEDBACK, A.VERIFY)
    assert run(*loop) is S.CLOSED


def test_each_step_of_the_loop() -> None:
    assert transition(S.NEW, A.DISPATCH) is S.DISPATCHED
    assert transition(S.DISPATCHED, A.ACCEPT) is S.ACCEPTED
    assert transition(S.ACCEPTED, A.ARRIVE) is S.ON_SCENE
    assert transition(S.ON_SCENE, A.RESOLVE) is S.RESOLVED
    assert transition(S.RESOLVED, A.FEEDBACK) is S.FEEDBACK
    assert transition(S.FEEDBACK, A.VERIFY) is S.CLOSED


def test_rejected_acceptance_reopens_and_loops_again() -> None:
    status = run(A.DISPATCH, A.ACCEPT, A.ARRIVE, A.RESOLVE, A.FEEDBACK, A.REJECT)
    assert status is S.REOPENED
    assert run(A.DISPATCH, A.ACCEPT, A.ARRIVE, A.RESOLVE, start=status) is S.RESOLVED


def test_whistle_to_a_department_then_it_reports() -> None:
    status = run(A.DISPATCH, A.ACCEPT, A.ARRIVE, A.ESCALATE)
    assert status is S.ESCALATED
    assert transition(status, A.ACCEPT) is S.ACCEPTED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.NEW, A.VERIFY),
        (S.NEW, A.ACCEPT),
        (S.DISPATCHED, A.RESOLVE),
        (S.ACCEPTED, A.FEEDBACK),
        (S.CLOSED, A.DISPATCH),
        (S.CANCELLED, A.REOPEN),
        (S.MERGED, A.PAUSE),
        (S.ON_SCENE, A.REOPEN),
    ],
)
def test_illegal_moves_raise_a_clear_error(status: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition) as info:
        transition(status, action)
    message = str(info.value)
    assert f"cannot {action.value}" in message
    assert status.value in message
    assert "allowed here" in message


def test_closed_tickets_can_be_reopened_by_a_supervisor() -> None:
    assert transition(S.CLOSED, A.REOPEN) is S.REOPENED


def test_merge_and_cancel_from_every_open_status() -> None:
    for status in Status:
        if status.is_open:
            assert transition(status, A.MERGE) is S.MERGED
            assert transition(status, A.CANCEL) is S.CANCELLED
        else:
            with pytest.raises(IllegalTransition):
                transition(status, A.CANCEL)


def test_notes_are_allowed_everywhere_pauses_only_when_open() -> None:
    for status in Status:
        assert transition(status, A.NOTE) is status
        if status.is_terminal:
            with pytest.raises(IllegalTransition):
                transition(status, A.PAUSE)
        else:
            assert transition(status, A.PAUSE) is status


@given(st.sampled_from(list(Status)), st.sampled_from(list(Action)))
def test_allowed_actions_agree_with_transition(status: Status, action: Action) -> None:
    if action in allowed_actions(status):
        transition(status, action)
    else:
        with pytest.raises(IllegalTransition):
            transition(status, action)


def test_every_action_is_either_a_move_or_a_stay_or_creation() -> None:
    for action in Action:
        assert (action in MOVES) != (action in STAYS) or action in (A.OPEN, A.IMPORT)
        assert action.zh


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_random_walks_only_reach_known_statuses(actions: list[Action]) -> None:
    status = S.NEW
    for action in actions:
        try:
            status = transition(status, action)
        except IllegalTransition:
            continue
        assert status in Status
