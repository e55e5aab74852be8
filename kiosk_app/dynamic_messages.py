"""Messages the kiosk translates at run time but extraction cannot see.

``pybabel extract`` only finds string literals written inside ``_()``. The
kiosk also translates strings passed as variables: ``_(error.message)`` for
the core's errors, ``_(END_MESSAGES[...])`` and ``_(PROBLEM_MESSAGES[...])``
in :mod:`kiosk_app.welcome`, ``_(view.title)`` (:data:`kiosk_app.present.
OUTCOMES`, falling back to ``STATUS_LABELS``), ``_(title)``/``_(lead)`` in
``phone.html`` (from :mod:`kiosk_app.phone`) and ``_(reason)`` for the rating
reasons (``govcore.ratings.GOOD_REASONS``/``BAD_REASONS``). This module lists
them, each wrapped in the no-op marker ``N_`` so that ``make translations``
(``pybabel extract -k N_``) puts them in ``translations/messages.pot``.

Nothing imports this module. Copy each text exactly: a msgid that differs by
one character is not found and the screen stays in Chinese.
tests/unit/test_translations.py checks that the dictionaries named above are
all listed here. Messages built with f-strings (a field name, a count) cannot
be translated this way and are not listed.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translate it later with ``_()``."""
    return message


# kiosk_app.welcome.PROBLEM_MESSAGES: the card reader's problems.
CARD_PROBLEMS = (
    N_("没有检测到证件，请把身份证放在读卡区"),
    N_("证件读取失败，请取出后再放一次"),
    N_("读卡器没有响应，请联系工作人员"),
    N_("读卡器未连接，请联系工作人员"),
)

# kiosk_app.welcome.END_MESSAGES: why a session ended.
SESSION_ENDS = (
    N_("您已取走证件，本次服务结束。"),
    N_("读卡区换了一张证件，上一位的服务已结束。"),
    N_("长时间没有操作，为保护您的信息，已自动退出。"),
    N_("您已退出，本次服务结束。"),
    N_("已转到手机继续办理，本终端已退出。"),
    N_("本次服务已结束。"),
)

# kiosk_app.present.OUTCOMES titles, and the STATUS_LABELS fallback.
RESULT_TITLES = (
    N_("办理成功"),
    N_("未获批准"),
    N_("已受理，等待工作人员审核"),
    N_("已受理"),
    N_("已受理，请在期限内补交材料"),
    N_("草稿"),
    N_("已提交"),
    N_("容缺受理，待补齐材料"),
    N_("人工审核中"),
    N_("已批准"),
    N_("不予批准"),
    N_("已出证"),
    N_("已撤回"),
    N_("已撤销"),
)

# kiosk_app.phone: the title and lead of the QR-code pages.
PHONE_PAGES = (
    N_("到手机上继续办理"),
    N_("请用“龙湖秒办”小程序扫描二维码。扫码后本终端自动退出，草稿在手机上继续。"),
    N_("用手机扫码领取文书"),
    N_("请用手机扫描二维码下载 PDF 文书（与打印件相同，带电子签章和核验码）。"),
)

# govcore.ratings.GOOD_REASONS and BAD_REASONS.
RATING_REASONS = (
    N_("办理快速"),
    N_("不用填写"),
    N_("不用跑腿"),
    N_("指引清楚"),
    N_("服务热情"),
    N_("等待太久"),
    N_("操作复杂"),
    N_("看不清楚"),
    N_("材料太多"),
    N_("结果不满意"),
)

# govcore.applications.materials.STATE_LABELS, PROBLEM_LABELS of
# govcore.applications.display and kiosk_app.present.PRINT_LABELS: shown on
# the screens, listed ahead of their _() (see the lead's list).
LABELS = (
    N_("电子证照免提交"),
    N_("数据核验免提交"),
    N_("系统自动生成"),
    N_("已上传"),
    N_("告知承诺代替"),
    N_("容缺受理，可后补"),
    N_("待上传"),
    N_("非必要"),
    N_("共享数据中没有您的记录，请自行填写"),
    N_("共享数据中没有此项，请自行填写"),
    N_("数据源暂时无法访问，请自行填写，将由工作人员核实"),
    N_("数据源返回的信息与您不符，请自行填写，将由工作人员核实"),
    N_("A4 文书"),
    N_("回执小票"),
)

# Errors a kiosk user can meet, shown with _(error.message): the fixed
# texts raised by the core (f-string messages cannot be matched).
ERRORS = (
    # govcore/terminals/kiosk.py
    N_("证件数据不完整"),
    N_("请将身份证放在读卡区（no card）"),
    N_("证件已过有效期，请使用有效证件或到窗口办理"),
    # govcore/applications/submission.py
    N_("办件已受理，只能补交容缺材料（only owed materials accepted）"),
    N_("办件已提交，不能再上传材料（application is not a draft）"),
    N_("办件已提交，不能删除材料（application is not a draft）"),
    N_("材料不存在（upload not found）"),
    N_("办件已提交，请勿重复提交（already submitted）"),
    # govcore/applications/drafts.py
    N_("单位申请不能同时指定被代办人（organisation and principal both given）"),
    N_("不能为本人代办（principal is the caller）"),
    N_("被代办人姓名与身份证号不符（principal name does not match the register）"),
    N_("市场主体登记中查无此单位（organisation not registered）"),
    N_("市场主体登记信息暂时无法核验，请稍后再试（register unavailable）"),
    N_(
        "您不是该单位登记的法定代表人（负责人），不能以单位名义申请"
        "（caller is not the legal representative）"
    ),
    N_("办件已提交，不能再修改（application is not a draft）"),
    # govcore/applications/commitments.py
    N_("办件已提交（application is not a draft）"),
    N_("告知承诺书已签署（already signed）"),
    N_("承诺书内容已更新，请重新阅读后签署（commitment text changed）"),
    N_("请手写签名，或勾选“本人已阅读并承诺”后确认（signature or consent required）"),
    # govcore/ratings/service.py
    N_("请选择 1 到 5 颗星"),
    N_("提交后才能评价"),
    N_("已经评价过了，谢谢"),
    # govcore/applications/access.py (get_application)
    N_("办件不存在（application not found）"),
    # govcore/terminals/commands.py (scanning, printing)
    N_("扫描指令不存在（scan command not found）"),
    N_("扫描已结束（scan finished）"),
    N_("扫描尚未完成（scan not ready）"),
    N_("文书不存在（document not found）"),
    N_("指令不存在（command not found）"),
    # govcore/decisions/proactive.py (免申即享 offers)
    N_("没有这项服务推送（offer not found）"),
    N_("该服务推送已处理（offer already answered）"),
    # govcore/decisions/service.py (request_review)
    N_("只有被系统自动不予批准的办件可以申请人工复核（only automated refusals）"),
    N_(
        "该决定已由工作人员作出，如有异议请依法申请行政复议或提起诉讼"
        "（already decided by a person）"
    ),
    # kiosk_app/apply.py (raised, then shown with _(error.message))
    N_("请在框内签名后再确认"),
    N_("签名图片有误，请重新签名"),
    N_("请选择星级"),
    # govcore/staff/kiosk_assist.py and accounts.py (staff signing in to assist)
    N_("PIN 不正确"),
    N_("登录失败次数过多，请稍后再试（too many failed logins）"),
)

# Values shown through _() in templates: fees, material states, yes/no.
SHOWN_VALUES = (
    N_("全部事项"),
    N_("收费"),
    N_("不收费"),
    N_("是"),
    N_("否"),
)


# The catalogue's names the kiosk shows (kiosk_app/templates): items offered
# at the kiosk, life events, departments and the 6+1 categories. A name not
# listed stays in Chinese on the English screen. Regenerate the list when the
# catalogue changes (make translations lists what is new).
CATALOGUE_NAMES = (
    N_("高龄老人津贴申领"),
    N_("户口登记"),
    N_("困难残疾人生活补贴"),
    N_("养犬登记"),
    N_("生育登记"),
    N_("个体工商户登记注册"),
    N_("犯罪记录查询"),
    N_("独生子女父母计划生育奖励"),
    N_("仅销售预包装食品备案"),
    N_("公共场所卫生许可"),
    N_("居住证签注"),
    N_("城乡居民基本医疗保险参保登记"),
    N_("道路运输从业人员从业资格证核发"),
    N_("农村部分计划生育家庭奖励扶助"),
    N_("重度残疾人护理补贴"),
    N_("社会保障卡申领"),
    N_("户口迁移审批"),
    N_("临时救助"),
    N_("失业登记"),
    N_("退役军人、其他优抚对象优待证申领"),
    N_("交通出行"),
    N_("养老"),
    N_("医疗卫生"),
    N_("司法公证"),
    N_("宠物"),
    N_("就业创业"),
    N_("开办企业"),
    N_("户籍办理"),
    N_("残疾人服务"),
    N_("生育收养"),
    N_("社会保障"),
    N_("退役军人"),
    N_("区民政局"),
    N_("区人社局"),
    N_("区医保局"),
    N_("区卫健局"),
    N_("龙湖公安分局"),
    N_("区市场监管局"),
    N_("区住建局"),
    N_("市交通运输局"),
    N_("区退役军人事务局"),
    N_("区残联"),
    N_("龙湖自然资源分局"),
    N_("省住建厅"),
    N_("区政府"),
    N_("行政许可"),
    N_("行政给付"),
    N_("行政确认"),
    N_("行政奖励"),
    N_("行政裁决"),
    N_("其他行政权力"),
    N_("公共服务"),
)
