from pipelines.calibration import Case, propose


def test_separable_cases_get_the_middle_of_the_gap():
    cases = [Case(0.9, True), Case(0.7, True), Case(0.6, True), Case(0.2, False), Case(0.1, False)]
    p = propose("EO1.1", cases, current=0.34)
    assert p.proposed == 0.4  # between 0.2 and 0.6
    assert p.rates(p.proposed) == (1.0, 1.0)
    assert p.rates(0.65) == (2 / 3, 1.0)


def test_overlap_keeps_the_best_balanced_accuracy():
    cases = [Case(0.8, True), Case(0.5, True), Case(0.3, True), Case(0.45, False), Case(0.1, False)]
    p = propose("EO2.1", cases, current=0.34)
    found, abstain = p.rates(p.proposed)
    # found 2/3 with abstain 1 (a cut in 0.45..0.5) beats found 1 with abstain 1/2.
    assert (found, abstain) == (2 / 3, 1.0)
    assert 0.45 < p.proposed <= 0.5


def test_too_few_labels_give_no_proposal():
    p = propose("EO3.1", [Case(0.9, True), Case(0.1, False)], current=0.34)
    assert p.proposed is None and "at least 3" in p.reason
