"""What a refusal shows the applicant of the data: words, not codes."""

from govcore.decisions.service import _worded


def test_codes_become_words_and_numbers_stay_numbers() -> None:
    assert _worded("ACTIVE") == "有效（正在享受）"
    assert _worded(["NORMAL", "CANCELLED_DEATH"]) == ["正常", "已注销（死亡）"]
    assert _worded(True) == "是" and _worded(False) == "否"
    assert _worded(1) == 1 and _worded(0) == 0  # a level 1 is not “是”
    assert _worded("汕头市龙湖区") == "汕头市龙湖区"
