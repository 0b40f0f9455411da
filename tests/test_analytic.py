"""Exact Erlang B, C and A: design note 8 values, exact-fraction references, limits."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.stats import poisson

from sim import analytic

TWENTY_S = 20 / 60  # the service-level threshold, in minutes
REF = {"abs": 1e-5}  # tolerance for the values quoted in design note 8


def exact_erlang_b(servers: int, load: int) -> Fraction:
    """The defining formula (A^c / c!) / sum_k A^k / k!, in exact rational arithmetic."""
    terms = [Fraction(load**k, math.factorial(k)) for k in range(servers + 1)]
    return terms[-1] / sum(terms)


def exact_erlang_c(servers: int, load: int) -> Fraction:
    """(A^c / c! * c / (c - A)) / (sum_{k<c} A^k / k! + A^c / c! * c / (c - A)), exactly."""
    top = Fraction(load**servers, math.factorial(servers)) * Fraction(servers, servers - load)
    return top / (sum(Fraction(load**k, math.factorial(k)) for k in range(servers)) + top)


def absorbing_chain_reference(
    servers: int, calls_per_hour: float, aht_min: float, patience_min: float, t_min: float
) -> tuple[float, float, float]:
    """(service level, ASA in seconds, P(abandon)) from the tagged caller's absorbing chain.

    States 0..K: callers ahead of her; then 'answered' and 'abandoned'. Built densely and solved
    with a matrix exponential and the fundamental matrix, independently of the module's formulas.
    """
    lam, mu, theta = calls_per_hour / 60, 1 / aht_min, 1 / patience_min
    pi = analytic.erlang_a_distribution(servers, calls_per_hour, aht_min, patience_min)
    waiting = pi[servers:]
    size = len(waiting)
    answered, abandoned = size, size + 1
    q = np.zeros((size + 2, size + 2))
    for k in range(size):
        q[k, abandoned] = theta
        if k == 0:
            q[k, answered] = servers * mu
        else:
            q[k, k - 1] = servers * mu + k * theta
        q[k, k] = -(servers * mu + (k + 1) * theta)
    within = expm(q * t_min)[:size, answered]
    fundamental = np.linalg.inv(-q[:size, :size])
    reach = fundamental @ q[:size, answered]  # P(answered | k ahead)
    time_if_reached = fundamental @ reach  # E[wait; answered | k ahead]
    p_abandon = float(waiting @ (1 - reach))
    service_level = float(pi[:servers].sum() + waiting @ within)
    asa_s = 60 * float(waiting @ time_if_reached) / (1 - p_abandon)
    assert lam > 0
    return service_level, asa_s, p_abandon


# --- Erlang B and C against their defining formulas -------------------------------------------


def test_erlang_b_ten_servers_five_erlangs_is_0_018384():
    assert analytic.erlang_b(10, 5) == pytest.approx(0.0183845703, abs=1e-10)


@pytest.mark.parametrize(("servers", "load"), [(1, 1), (3, 2), (10, 5), (14, 10), (40, 45)])
def test_erlang_b_recursion_equals_exact_fraction_formula(servers, load):
    reference = float(exact_erlang_b(servers, load))
    assert analytic.erlang_b(servers, load) == pytest.approx(reference, rel=1e-12)


def test_erlang_b_with_no_servers_loses_every_call_and_with_no_load_none():
    assert analytic.erlang_b(0, 3.0) == 1.0
    assert analytic.erlang_b(5, 0.0) == 0.0


@pytest.mark.parametrize(("servers", "load"), [(2, 1), (14, 10), (15, 10), (30, 25)])
def test_erlang_c_equals_exact_fraction_formula_and_c_b_over_c_minus_a_one_minus_b(servers, load):
    b = analytic.erlang_b(servers, load)
    c_wait = analytic.erlang_c(servers, load)
    assert c_wait == pytest.approx(servers * b / (servers - load * (1 - b)), rel=1e-12)
    assert c_wait == pytest.approx(float(exact_erlang_c(servers, load)), rel=1e-12)


def test_erlang_c_is_one_when_load_reaches_servers():
    assert analytic.erlang_c(10, 10.0) == 1.0
    assert analytic.erlang_c(10, 12.5) == 1.0


# --- design note 8 ----------------------------------------------------------------------


def test_design_erlang_c_fourteen_advisors_wait_service_level_and_asa():
    got = analytic.erlang_c_estimate(14, 200, 3, TWENTY_S)
    assert got.load == pytest.approx(10.0)
    assert got.p_wait == pytest.approx(0.174132, **REF)
    assert got.service_level == pytest.approx(0.88835, **REF)
    assert got.asa_s == pytest.approx(7.836, rel=1e-4)
    # the quoted ASA is C / (c mu - lambda): the mean wait of all calls, all of them answered
    assert got.asa_s == pytest.approx(60 * got.p_wait / (14 / 3 - 10 / 3), rel=1e-12)
    assert got.p_abandon == 0.0
    assert got.occupancy == pytest.approx(10 / 14)
    assert got.mean_queue == pytest.approx(200 / 60 * got.asa_s / 60)  # Little's law


def test_design_erlang_c_fifteen_advisors_wait():
    assert analytic.erlang_c_estimate(15, 200, 3, TWENTY_S).p_wait == pytest.approx(0.102042, **REF)


def test_design_erlang_a_fourteen_advisors_five_minute_patience():
    got = analytic.erlang_a_estimate(14, 200, 3, 5, TWENTY_S)
    assert got.p_wait == pytest.approx(0.14526, **REF)
    assert got.p_abandon == pytest.approx(0.013984, **REF)
    assert got.occupancy == pytest.approx(0.704297, **REF)
    assert got.service_level == pytest.approx(0.916792, **REF)


def test_design_erlang_a_patience_equal_to_handle_time_gives_poisson_wait_and_abandon():
    got = analytic.erlang_a_estimate(15, 144, 5, 5, TWENTY_S)  # A = 144 / 60 * 5 = 12
    assert got.load == pytest.approx(12.0)
    assert got.p_wait == pytest.approx(0.227975, **REF)
    assert got.p_abandon == pytest.approx(0.033495, **REF)
    assert got.p_wait == pytest.approx(poisson.sf(14, 12), rel=1e-12)


def test_erlang_a_stationary_distribution_is_poisson_when_patience_equals_handle_time():
    pi = analytic.erlang_a_distribution(15, 144, 5, 5)
    assert pi.sum() == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(pi, poisson.pmf(np.arange(len(pi)), 12), rtol=1e-10, atol=1e-15)
    assert poisson.sf(len(pi) - 1, 12) < 1e-15  # truncated only where the mass is negligible


# --- Erlang A: internal consistency and an independent absorbing-chain check ------------------


@pytest.mark.parametrize(
    ("servers", "calls_per_hour", "aht_min", "patience_min", "t_min"),
    [(14, 200, 3, 5, TWENTY_S), (15, 144, 5, 5, 1.0), (5, 200, 3, 2, TWENTY_S), (3, 30, 4, 0.5, 2)],
)
def test_erlang_a_service_level_asa_and_abandon_match_the_tagged_callers_absorbing_chain(
    servers, calls_per_hour, aht_min, patience_min, t_min
):
    got = analytic.erlang_a_estimate(servers, calls_per_hour, aht_min, patience_min, t_min)
    service_level, asa_s, p_abandon = absorbing_chain_reference(
        servers, calls_per_hour, aht_min, patience_min, t_min
    )
    assert got.service_level == pytest.approx(service_level, abs=1e-12)
    assert got.asa_s == pytest.approx(asa_s, rel=1e-10)
    assert got.p_abandon == pytest.approx(p_abandon, abs=1e-12)  # theta E[Q] / lambda


def test_erlang_a_occupancy_equals_mean_busy_advisors_over_servers():
    got = analytic.erlang_a_estimate(14, 200, 3, 5, TWENTY_S)
    pi = analytic.erlang_a_distribution(14, 200, 3, 5)
    busy = np.minimum(np.arange(len(pi)), 14) @ pi
    assert got.occupancy == pytest.approx(busy / 14, rel=1e-12)
    assert got.mean_queue == pytest.approx(np.maximum(np.arange(len(pi)) - 14, 0) @ pi)


def test_erlang_a_service_level_at_zero_threshold_is_share_answered_at_once():
    got = analytic.erlang_a_estimate(14, 200, 3, 5, 0.0)
    assert got.service_level == pytest.approx(1 - got.p_wait, abs=1e-15)


def test_erlang_a_overloaded_queue_stays_finite_and_loses_at_least_the_excess_load():
    got = analytic.erlang_a_estimate(5, 200, 3, 5, TWENTY_S)  # A = 10 on 5 advisors
    assert 0 <= got.service_level <= 1 - got.p_abandon
    assert got.p_abandon >= 1 - 5 / 10
    assert got.occupancy <= 1.0
    assert math.isfinite(got.asa_s)


def test_erlang_a_with_huge_patience_approaches_erlang_c():
    patient = analytic.erlang_a_estimate(14, 200, 3, 1e9, TWENTY_S)
    erlang_c = analytic.erlang_c_estimate(14, 200, 3, TWENTY_S)
    assert patient.p_wait == pytest.approx(erlang_c.p_wait, abs=1e-8)
    assert patient.service_level == pytest.approx(erlang_c.service_level, abs=1e-8)
    assert patient.asa_s == pytest.approx(erlang_c.asa_s, rel=1e-7)
    assert patient.p_abandon < 1e-9
    assert analytic.erlang_a_estimate(14, 200, 3, math.inf, TWENTY_S) == erlang_c


def test_erlang_a_refuses_an_overloaded_queue_with_endless_patience():
    with pytest.raises(analytic.QueueTooLongError, match="patience_min=1e"):
        analytic.erlang_a_estimate(5, 200, 3, 1e9, TWENTY_S)


@settings(deadline=None, max_examples=50)
@given(
    servers=st.integers(min_value=1, max_value=20),
    utilisation=st.floats(min_value=0.05, max_value=0.95),
    aht_min=st.floats(min_value=0.5, max_value=10.0),
    t_min=st.floats(min_value=0.0, max_value=5.0),
)
def test_erlang_a_with_huge_patience_matches_erlang_c_within_1e6(
    servers, utilisation, aht_min, t_min
):
    calls_per_hour = 60 * utilisation * servers / aht_min
    # A finite patience shifts the answered callers' mean wait by a relative amount that grows
    # linearly with 1 / patience (about 1e-6 at 1e9 min for M/M/1 at 94 % load, where waits
    # are 30 min): 1e12 min keeps that effect near 1e-9, well inside the tolerance.
    patient = analytic.erlang_a_estimate(servers, calls_per_hour, aht_min, 1e12, t_min)
    erlang_c = analytic.erlang_c_estimate(servers, calls_per_hour, aht_min, t_min)
    assert patient.p_wait == pytest.approx(erlang_c.p_wait, abs=1e-6)
    assert patient.service_level == pytest.approx(erlang_c.service_level, abs=1e-6)
    assert patient.occupancy == pytest.approx(erlang_c.occupancy, abs=1e-6)
    assert patient.asa_s == pytest.approx(erlang_c.asa_s, rel=1e-6, abs=1e-6)
    assert patient.mean_queue == pytest.approx(erlang_c.mean_queue, rel=1e-6, abs=1e-6)


@settings(deadline=None, max_examples=50)
@given(
    servers=st.integers(min_value=1, max_value=30),
    load=st.floats(min_value=0.1, max_value=40.0),
    patience_min=st.floats(min_value=0.1, max_value=60.0),
    t_min=st.floats(min_value=0.0, max_value=5.0),
)
def test_one_more_advisor_never_worsens_erlang_a_figures(servers, load, patience_min, t_min):
    fewer = analytic.erlang_a_estimate(servers, 60 * load, 1.0, patience_min, t_min)
    more = analytic.erlang_a_estimate(servers + 1, 60 * load, 1.0, patience_min, t_min)
    for figures in (fewer, more):
        assert 0 <= figures.service_level <= 1 - figures.p_abandon + 1e-12
        assert 0 <= figures.p_wait <= 1 and 0 <= figures.occupancy <= 1
    assert more.service_level >= fewer.service_level - 1e-12
    assert more.p_abandon <= fewer.p_abandon + 1e-12
    assert more.asa_s <= fewer.asa_s * (1 + 1e-12)


# --- waiting within a time (callback channel) -------------------------------------------------


def test_p_wait_within_zero_minutes_is_share_not_waiting():
    assert analytic.p_wait_within(14, 200, 3, 0.0) == pytest.approx(1 - 0.174132, **REF)


def test_p_wait_within_grows_with_time_towards_one():
    values = [analytic.p_wait_within(14, 200, 3, t) for t in (0, 0.1, 1 / 3, 1, 5, 60)]
    assert values == sorted(values)
    assert values[2] == pytest.approx(0.88835, **REF)
    assert values[-1] == pytest.approx(1.0, abs=1e-12)


def test_p_wait_within_is_zero_for_an_unstable_queue():
    assert analytic.p_wait_within(10, 200, 3, 60.0) == 0.0


# --- unstable and large queues ----------------------------------------------------------------


def test_unstable_erlang_c_reports_everyone_waiting_forever_without_raising():
    for servers in (10, 8):  # load 10 = servers, then load above servers
        got = analytic.erlang_c_estimate(servers, 200, 3, TWENTY_S)
        assert got.p_wait == 1.0
        assert got.asa_s == math.inf
        assert got.service_level == 0.0
        assert got.occupancy == 1.0
        assert got.mean_queue == math.inf


def test_five_hundred_advisors_at_load_480_give_finite_probabilities():
    b = analytic.erlang_b(500, 480)
    assert b == pytest.approx(float(exact_erlang_b(500, 480)), rel=1e-10)
    assert 0 < analytic.erlang_c(500, 480) < 1
    for got in (
        analytic.erlang_c_estimate(500, 480 * 60, 1.0, TWENTY_S),
        analytic.erlang_a_estimate(500, 480 * 60, 1.0, 5.0, TWENTY_S),
    ):
        for value in (got.p_wait, got.p_abandon, got.service_level, got.occupancy):
            assert 0.0 <= value <= 1.0
        assert math.isfinite(got.asa_s) and math.isfinite(got.mean_queue)


# --- dispatch and staffing search -------------------------------------------------------------


def test_estimate_uses_erlang_c_without_patience_and_erlang_a_with_it():
    assert analytic.estimate(14, 200, 3, TWENTY_S) == analytic.erlang_c_estimate(
        14, 200, 3, TWENTY_S
    )
    assert analytic.estimate(14, 200, 3, TWENTY_S, math.inf).p_abandon == 0.0
    assert analytic.estimate(14, 200, 3, TWENTY_S, 5.0) == analytic.erlang_a_estimate(
        14, 200, 3, 5.0, TWENTY_S
    )


@pytest.mark.parametrize(("target", "advisors"), [(0.85, 14), (0.88835, 14), (0.9, 15), (0.95, 16)])
def test_advisors_needed_for_a_service_level_with_patient_callers(target, advisors):
    assert analytic.advisors_needed(200, 3, TWENTY_S, service_level=target) == advisors


def test_advisors_needed_counts_abandoning_callers_as_not_answered():
    # Erlang A answers 91.7 % within 20 s on 14 advisors and 85.8 % on 13
    assert analytic.advisors_needed(200, 3, TWENTY_S, patience_min=5, service_level=0.85) == 13
    assert analytic.advisors_needed(200, 3, TWENTY_S, patience_min=5, service_level=0.9) == 14
    assert analytic.advisors_needed(200, 3, TWENTY_S, patience_min=5, abandon_rate=0.014) == 14


def test_advisors_needed_meets_every_target_given():
    assert analytic.advisors_needed(200, 3, TWENTY_S, service_level=0.8, asa_s=5.0) == 15
    assert analytic.advisors_needed(200, 3, TWENTY_S, max_occupancy=0.7) == 15  # 10/14 > 0.7
    assert analytic.advisors_needed(200, 3, TWENTY_S, max_occupancy=10 / 14) == 14


def test_advisors_needed_with_endless_patience_matches_erlang_c():
    assert analytic.advisors_needed(200, 3, TWENTY_S, patience_min=1e9, service_level=0.9) == 15


def test_advisors_needed_without_a_target_or_out_of_reach_raises():
    with pytest.raises(ValueError, match="give at least one target"):
        analytic.advisors_needed(200, 3, TWENTY_S)
    with pytest.raises(ValueError, match="targets not met with max_servers=12 advisors"):
        analytic.advisors_needed(200, 3, TWENTY_S, service_level=0.8, max_servers=12)


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: analytic.erlang_b(-1, 2.0), "servers must be a whole number >= 0, got -1"),
        (lambda: analytic.erlang_b(2.5, 2.0), "servers must be a whole number >= 0, got 2.5"),
        (lambda: analytic.erlang_c(3, -1.0), "load must be >= 0, got -1.0"),
        (lambda: analytic.erlang_c_estimate(0, 200, 3, 1), "servers must be a whole number >= 1"),
        (lambda: analytic.erlang_c_estimate(14, 0, 3, 1), "calls_per_hour must be > 0, got 0"),
        (lambda: analytic.erlang_c_estimate(14, 200, 0, 1), "aht_min must be > 0, got 0"),
        (lambda: analytic.erlang_c_estimate(14, 200, 3, -1), "threshold_min must be >= 0, got -1"),
        (lambda: analytic.erlang_a_estimate(14, 200, 3, 0, 1), "patience_min must be > 0, got 0"),
        (lambda: analytic.p_wait_within(14, 200, 3, -2), "t_min must be >= 0, got -2"),
    ],
)
def test_bad_arguments_are_rejected_with_their_name_and_value(call, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        call()
