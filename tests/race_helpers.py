"""Racing two operations (issue 8): each contender in its own thread and app context
(its own session and connection), meeting at a barrier, then acting at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models import DomainError, db
from models.transitions import JustProcessed

# What the loser of a race reads (the Indonesian msgstr of JUST_PROCESSED).
MESSAGE = "baru saja diproses oleh petugas lain"


@dataclass
class Outcome:
    ok: bool
    value: Any = None
    message: str = ""
    error: BaseException | None = None


def race(app, *contenders: tuple[Callable[[], Any], Callable[[Any], Any]]) -> list[Outcome]:
    """Run each (prepare, act) in its own thread and app context: prepare() loads
    what the officer sees, then all threads meet at a barrier and act(seen) at once."""
    barrier = threading.Barrier(len(contenders))
    outcomes: list[Outcome | None] = [None] * len(contenders)

    def worker(i: int, prepare: Callable[[], Any], act: Callable[[Any], Any]) -> None:
        with app.app_context():
            try:
                seen = prepare()
            except BaseException as exc:  # reported by the assertion below
                barrier.abort()
                outcomes[i] = Outcome(False, error=exc)
                return
            try:
                barrier.wait(30)
                outcomes[i] = Outcome(True, act(seen))
            except DomainError as exc:
                outcomes[i] = Outcome(False, message=str(exc.message), error=exc)
            except BaseException as exc:  # a 500: reported by the assertion below
                outcomes[i] = Outcome(False, error=exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, *c)) for i, c in enumerate(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert all(not t.is_alive() for t in threads), "a contender hung"
    db.session.expire_all()
    return [o for o in outcomes if o is not None]


def one_wins(outcomes: list[Outcome]) -> tuple[Outcome, Outcome]:
    """Exactly one contender succeeded; the other got the race message and no other
    error. Returns (winner, loser)."""
    assert len(outcomes) == 2
    for o in outcomes:
        assert o.ok or isinstance(o.error, DomainError), o.error
    winners = [o for o in outcomes if o.ok]
    losers = [o for o in outcomes if not o.ok]
    assert len(winners) == 1, [o.message or o.error for o in outcomes]
    (loser,) = losers
    assert isinstance(loser.error, JustProcessed), loser.message
    assert MESSAGE in loser.message.lower(), loser.message
    return winners[0], loser


def load(model: Any, ident: int, *paths: str) -> Any:
    """The row `ident` of `model` in this thread's session, with `paths` (dotted
    attribute chains) loaded, as the screen that shows it would have."""
    obj = db.session.get(model, ident)
    for path in paths:
        target: Any = obj
        for name in path.split("."):
            target = getattr(target, name)
            if isinstance(target, list):
                for item in target:
                    _ = item.id
    _ = obj.status
    return obj
