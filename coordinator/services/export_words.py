"""The words of the duty-record exports in each language: kinds, flags, verdicts, yes and no."""

from __future__ import annotations

WORDS = {
    "zh_CN": {
        True: "是", False: "否",
        "check_in": "签到", "presence": "在岗确认", "check_out": "签退",
        "late": "迟到", "outside_fence": "围栏外", "low_accuracy": "定位精度差",
        "offline": "离线补传", "suspected_spoof": "疑似虚假定位", "clock_skew": "手机时间异常",
        "confirmed": "确认有效", "rejected": "驳回（不计在岗）",
        "commend": "表扬", "criticize": "通报批评",
        "missed_checkin": "未按时签到", "left_post": "脱岗", "understaffed": "人员不足",
        "hazard_report": "险情上报", "call_unanswered": "叫应未应答", "roll_call_failed": "点名未通过",
        "call": "叫应", "roll_call": "随机点名",
        "moved": "已转移", "self_arranged": "投亲靠友", "refused": "拒绝转移",
        "not_home": "不在家", "relocation_overdue": "重点人员未转移",
        "cadre": "机关干部", "village_official": "村干部", "other": "其他",
        "rainstorm": "暴雨", "typhoon": "台风", "flood": "洪水", "landslide": "地质灾害",
        "announced": "明察", "unannounced": "暗访", "separator": "、",
        "inside": "围栏内", "outside": "围栏外", "unknown": "精度不足，无法判定",
    },
    "en": {
        True: "yes", False: "no",
        "check_in": "check in", "presence": "presence", "check_out": "check out",
        "late": "late", "outside_fence": "outside fence", "low_accuracy": "low accuracy",
        "offline": "sent offline", "suspected_spoof": "suspected spoof",
        "clock_skew": "phone clock ahead",
        "confirmed": "confirmed", "rejected": "rejected (not on duty)",
        "commend": "commendation", "criticize": "criticism",
        "missed_checkin": "missed check-in", "left_post": "left post",
        "understaffed": "understaffed", "hazard_report": "hazard report",
        "call_unanswered": "call unanswered", "roll_call_failed": "roll call failed",
        "call": "call", "roll_call": "roll call",
        "moved": "moved", "self_arranged": "self-arranged", "refused": "refused",
        "not_home": "not home", "relocation_overdue": "vulnerable people not moved",
        "cadre": "cadre", "village_official": "village official", "other": "other",
        "rainstorm": "rainstorm", "typhoon": "typhoon", "flood": "flood",
        "landslide": "landslide",
        "announced": "announced", "unannounced": "unannounced", "separator": "; ",
        "inside": "inside", "outside": "outside", "unknown": "too rough to tell",
    },
}
