"""
Sliding-window limits per key (a client address, a user): at most so many
events in any window of so many seconds, remembering only the keys that
had an event within the window.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Hashable, Optional


class WindowLimit:
    """
    At most C{limit} events per key in any C{window} seconds.

    @param maxKeys: how many keys it keeps count of at most, or C{None} for
        no bound beyond the window.  When full, a new key makes it forget
        the key whose last event is oldest.
    """

    def __init__(self, limit: int, window: float, maxKeys: Optional[int] = None):
        self.limit = limit
        self.window = window
        self.maxKeys = maxKeys
        # Each key's event times within the window, the key whose last
        # event is oldest first, so that forgetting looks only at the front.
        self._times: "OrderedDict[Hashable, deque]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._times)

    def allow(self, key: Hashable, now: float) -> bool:
        """
        Count an event of C{key} at C{now}, unless C{key} has had its
        C{limit} within the window: then nothing is counted.
        """
        since = now - self.window
        self.forget(now)
        times = self._times.get(key)
        if times is None:
            if self.maxKeys is not None and len(self._times) >= self.maxKeys:
                self._times.popitem(last=False)
            times = self._times[key] = deque()
        while times and times[0] <= since:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        self._times.move_to_end(key)
        return True

    def takeBack(self, key: Hashable) -> None:
        """
        Uncount C{key}'s latest event: it did not happen after all (a
        message the store could not take is sent again, and counts then).
        """
        times = self._times.get(key)
        if times:
            times.pop()

    def forget(self, now: float) -> None:
        """
        Forget the keys whose last event is a window or more before
        C{now}: they have their whole budget again.
        """
        since = now - self.window
        recent = self._times
        while recent:
            times = next(iter(recent.values()))
            if times and times[-1] > since:
                break
            recent.popitem(last=False)
