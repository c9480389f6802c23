"""Rules on a job's log text: what is kept of it when the job ends, its last lines, and which lines of a new
read are new to a follower."""

from collections.abc import Sequence


def retained(lines: Sequence[str], limit_bytes: int) -> tuple[str, bool]:
    """The log kept once the job ends: its last whole lines that fit in `limit_bytes` of UTF-8 (each line with
    its newline), and whether anything was cut. Cut at a line boundary: a line is kept whole or not at all,
    except a last line longer than the limit on its own, of which its end is kept (whole characters)."""
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        cost = len(line.encode()) + 1
        if size + cost > limit_bytes:
            break
        kept.append(line)
        size += cost
    if not kept and lines:
        tail = (lines[-1] + "\n").encode()[-limit_bytes:].decode(errors="ignore")
        return tail, True
    kept.reverse()
    return "".join(f"{line}\n" for line in kept), len(kept) < len(lines)


def last_lines(text: str, count: int) -> list[str]:
    """The last `count` lines of a log text."""
    return text.splitlines()[-count:] if count > 0 else []


def new_lines(seen: Sequence[str], read: Sequence[str]) -> list[str]:
    """The lines of `read` (a vendor's latest tail of the log) after those already `seen` (its previous tail).

    Logs only grow, but a tail's start moves on once the log is longer than the tail: the new lines follow the
    longest end of `seen` that `read` starts with. When no part of `seen` is in `read` (the log moved on by more
    than a whole tail between two reads), every line read is new."""
    if not seen:
        return list(read)
    for overlap in range(min(len(seen), len(read)), 0, -1):
        if list(seen[len(seen) - overlap:]) == list(read[:overlap]):
            return list(read[overlap:])
    return list(read)
