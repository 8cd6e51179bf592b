"""Noise on published team figures, from OpenDP.

Each steward adds noise to its partial sum, calibrated so that its sum alone satisfies
`rho`-zero-concentrated differential privacy with respect to adding or removing one member:
one member's contribution moves the sum by at most `Layout.sensitivity` in L2 norm (every
coordinate is 0 or 1, at most `Layout.bound` of them are 1), and the discrete Gaussian
mechanism with scale `sigma` is `sensitivity**2 / (2 * sigma**2)`-zCDP. OpenDP finds the
scale for the team's `rho` and draws the noise; nothing here samples randomness itself.

Every steward adds the full noise, so one honest steward is enough for the guarantee even if
the others collude; the report's uncertainty is that of the sum of all stewards' noise.
"""

from __future__ import annotations

import functools
import math

__all__ = ["count_margin", "draw_noise", "interval", "noise_scale", "rho_of"]

Z95 = 1.959963984540054  # a normal 95% interval is mean +- Z95 standard deviations


@functools.cache
def _opendp():  # type: ignore[no-untyped-def]
    """OpenDP, imported on first use (it takes a while to load), its contrib features on."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def _measurement(size: int, scale: float):  # type: ignore[no-untyped-def]
    dp = _opendp()
    domain = dp.vector_domain(dp.atom_domain(T=int), size=size)
    return dp.m.make_gaussian(domain, dp.l2_distance(T=int), scale=scale)


@functools.cache
def noise_scale(size: int, sensitivity: int, rho: float) -> float:
    """The smallest discrete Gaussian scale for which OpenDP's privacy map gives at most
    `rho` for a change of `sensitivity` (found by OpenDP's own binary search)."""
    dp = _opendp()
    return float(
        dp.binary_search_param(lambda scale: _measurement(size, scale), d_in=sensitivity, d_out=rho)
    )


def rho_of(size: int, sensitivity: int, scale: float) -> float:
    """What OpenDP says one sum with that noise costs: its zCDP `rho`."""
    return float(_measurement(size, scale).map(d_in=sensitivity))


def draw_noise(size: int, scale: float) -> list[int]:
    """`size` independent discrete Gaussian integers of that scale, drawn by OpenDP (the
    mechanism applied to a vector of zeros: the steward adds them to its share sum)."""
    return [int(v) for v in _measurement(size, scale)([0] * size)]


def interval(scale: float, stewards: int) -> float:
    """Half the width of the 95% interval of a count summed over `stewards` partial sums,
    each with independent noise of `scale` (`count_margin`)."""
    return count_margin(scale * math.sqrt(stewards))


def count_margin(sigma: float) -> float:
    """Half the width of the 95% interval of a count whose noise, a whole number, has standard
    deviation `sigma`. The normal interval plus half a unit (a continuity correction): without
    it, integer noise lands inside the normal ±1.96 sigma only about 93% of the time at small
    sigma, and the report would overstate its precision."""
    return Z95 * sigma + 0.5
