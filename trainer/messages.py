"""Every sentence the platform says to a user from Python code, in one catalogue.

Templates hold page text; flash messages, error pages and API errors come from here, so the wording
stays consistent and can be reviewed (or translated) in one place rather than scattered in views.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # sign-in
    "login.required": "请先登录。",
    "login.bad_credentials": "用户名或密码错误。",
    "login.disabled": "该账号已停用，请联系管理员。",
    "login.throttled": "从您所在的网络登录这个账号失败次数过多，请 {wait}后再试。",
    "login.alert": (
        "请注意：自 {since} 起，您的账号有 {count} 次密码错误的登录尝试（来自 {addresses}）。"
        "如果不是您本人，请立即修改密码并联系管理员。"
    ),
    "login.welcome": "欢迎回来，{name}。",
    "login.logged_out": "您已安全退出。",
    "login.expired": "会话已过期，请重新登录。",
    # account
    "account.password_changed": "密码已修改，其他设备上的登录已失效。",
    "account.password_wrong": "当前密码不正确。",
    "account.token_created": "新的 API 令牌已生成，旧令牌立即失效。请马上复制保存，离开本页后将无法再次查看。",
    "account.token_revoked": "API 令牌已撤销。",
    "account.others_signed_out": "已退出其他 {count} 个设备上的登录。",
    # the password rule (trainer/accounts/passwords.py)
    "password.too_short": "密码至少 {minimum} 位。",
    "password.repeated": "密码不能由同一个字符重复组成。",
    "password.username": "密码不能是用户名，也不能是用户名倒写或在前后加上数字、符号。",
    "password.common": (
        "这个密码太常见，很容易被猜中（常见密码前后加数字或符号也不行）。请换一个，例如几个不相关的词加数字。"
    ),
    # admin
    "admin.user_created": "已创建用户 {username}。",
    "admin.user_updated": "已保存用户 {username}。",
    "admin.username_taken": "用户名 {username} 已被使用。",
    "admin.password_reset": "已重置 {username} 的密码，该用户所有登录会话已失效。",
    "admin.team_created": "已创建团队 {name}。",
    "admin.team_updated": "已保存团队 {name}。",
    "admin.team_name_taken": "团队名称 {name} 已存在。",
    "admin.supervisor_required": "所选负责人必须是主管角色。",
    "admin.cannot_demote_self": "不能停用自己或取消自己的管理员角色。",
    "admin.team_only_for_trainees": "只有学员归属团队；主管请在团队设置中指定为负责人。",
    # competency
    "evidence.corrected": "已记录更正，原记录保留以便追溯。",
    "evidence.already_superseded": "这条记录已被更正过，请更正最新的那一条。",
    "evidence.reason_required": "请说明更正原因。",
    # weight sets
    "weights.incomplete": "每个一级指标和它下面的每个二级指标都要有权重。",
    "weights.negative": "权重不能是负数。",
    "weights.sum": "{level}的权重合计应为 100%（现在是 {total}%）。",
    "weights.saved": "已保存为权重版本 v{version}，{when}生效。",
    # promotions (晋级) and Delphi surveys (德尔菲调查)
    "promotion.confirmed": "已确认 {name} 晋级为{grade}。",
    "promotion.declined": "已暂缓 {name} 晋级{grade}，理由已记录。",
    "promotion.reason_required": "确认或暂缓晋级都必须写明理由。",
    "promotion.not_eligible": "{name} 现在不满足晋级{grade}的条件（{rules}），未作任何更改。",
    "promotion.stale": "{name} 的职级或晋级条件已经变化，请刷新页面后再处理。",
    "promotion.no_next": "{name} 没有可晋级的下一职级。",
    "promotion.not_allowed": "只有人力可以确认或暂缓晋级。",
    "delphi.created": "德尔菲调查《{title}》已创建，请邀请专家后开始第 1 轮。",
    "delphi.no_model": "还没有能力模型（请先同步内容），无法创建调查。",
    "delphi.bad_stop_rule": "停止规则不合理：W 应在 0–1 之间，CV 应大于 0，α 应在 0–1 之间。",
    "delphi.expert_added": "已邀请 {name}。",
    "delphi.expert_link": "已生成 {name} 的专属链接。请马上复制发给专家，离开本页后将无法再次查看。",
    "delphi.expert_twice": "{name} 已经是这次调查的专家。",
    "delphi.expert_role": "平台内的专家必须是在职的主管或人力。",
    "delphi.expert_name": "请填写外部专家的姓名。",
    "delphi.not_outside": "只有外部专家使用专属链接。",
    "delphi.survey_ended": "这次调查已经结束，不能再提交或更改。",
    "delphi.too_few_experts": "至少要邀请 2 位专家才能开始一轮调查。",
    "delphi.round_opened": "第 {number} 轮已开始，专家现在可以评分。",
    "delphi.round_still_open": "第 {number} 轮还没有结束，不能开始下一轮。",
    "delphi.round_closed": "第 {number} 轮已结束。",
    "delphi.round_consensus": "全部专家已提交，两级指标都满足停止规则：第 {number} 轮已自动结束。",
    "delphi.no_open_round": "现在没有进行中的一轮，不能提交评分。",
    "delphi.round_over": "第 {number} 轮已经结束，不能再提交评分。",
    "delphi.wrong_survey": "这份评分表不属于你受邀的调查，未作任何记录。",
    "delphi.already_submitted": "您已经提交过第 {number} 轮的评分，每轮只能提交一次。",
    "delphi.bad_rating": "“{indicator}”的重要性评分必须是 1–5 的整数。",
    "delphi.submitted": "第 {number} 轮评分已提交，感谢您的参与。",
    "delphi.not_expert": "您不是这次调查的专家。",
    "delphi.bad_link": "这个链接无效或已经失效，请联系人力获取新的链接。",
    "delphi.no_closed_round": "还没有已结束的一轮，无法计算权重。",
    "delphi.last_round_open": "第 {number} 轮还在进行中，结束后才能生成权重。",
    "delphi.too_few_answers": "第 {number} 轮只有 {count} 位专家提交，至少需要 2 位才能计算。",
    "delphi.weights_applied": "已用第 {number} 轮的结果生成权重版本 v{version}。",
    "delphi.weights_twice": "这次调查的结果已经生成过权重版本 v{version}。",
    "delphi.ended": "调查已结束，不再接受评分。",
    # supervisor review
    "review.graded": "评分已保存，已记入学员的能力证据。",
    "review.regraded": "已重新评分：新的评分取代之前的评分，之前的记录仍然保留。",
    "review.unknown_indicator": "这一项不考查指标 {indicator}，不能为它打分。",
    "review.bad_rating": "指标 {indicator} 的评分必须是 1–5 的整数，或者不适用。",
    "review.comment_too_long": "评语不能超过 {limit} 字。",
    "review.unknown_turn": "第 {turn} 轮不存在，不能为它写评语。",
    "review.bad_override": "改分必须是 0–100 之间的数字。",
    "review.override_reason": "修改系统评分必须写明理由。",
    "review.unknown_hit": "没有编号为 {hit} 的机检结果（或重复判定了同一条）。",
    "review.bad_verdict": "第 {hit} 条机检结果的判定只能是“机检正确”或“机检错误”。",
    "review.empty_grade": "请至少为一个指标评分，或者修改系统评分。",
    "review.essay_mark": "问答题需要给出得分 (0–100)。",
    "review.conflict": "另一位主管刚刚给这一项评了分，请刷新页面后再看。",
    "review.not_allowed": "只能评阅自己团队学员的作业。",
    "review.not_yours": "这不是你的作业。",
    "review.not_graded": "这一项还没有评分。",
    "review.acknowledged": "已确认收到主管的评分和评语。",
    "review.dispute_opened": "申诉已提交，会由团队的另一位主管（或人力）处理。",
    "review.dispute_closed": "评分超过 {days} 天，已不能申诉。",
    "review.dispute_twice": "这次评分已经申诉过了（申诉处理后的评分不能再申诉）。",
    "review.dispute_comment": "申诉必须写明理由。",
    "review.dispute_decided": "这条申诉已经处理过，不能再次处理。",
    "review.not_decider": "这条申诉应由团队的另一位主管处理（没有其他主管时由人力处理）。",
    "review.bad_decision": "请选择：接受、部分接受或驳回。",
    "review.decision_reason": "处理申诉必须写明理由。",
    "review.decision_ratings": "接受或部分接受申诉时，请给出调整后的评分。",
    "review.decided": "申诉已处理：{decision}。",
    "calibration.created": "校准任务《{title}》已创建，已通知 {count} 位评分人。",
    "calibration.graders": "校准至少需要两位评分人（主管或人力）。",
    "calibration.expert": "专家评分人必须是受邀评分人之一。",
    "calibration.items": "请至少选择一项作业，且只能选择你能查看的作业。",
    "calibration.deadline": "截止时间必须晚于现在。",
    "calibration.closed": "校准已截止，不能再提交评分。",
    "calibration.not_invited": "你不是这次校准的评分人。",
    "calibration.not_in_session": "这一项不在本次校准中。",
    "calibration.twice": "你已经为这一项提交过校准评分，评分不能修改。",
    "calibration.graded": "校准评分已提交，现在可以看到其他评分人的评分。",
    "violation.recorded": "已记录违规：{name}，扣 {points} 分。",
    "violation.unknown_category": "请选择违规类别。",
    "violation.voided": "已撤销这条违规记录，原记录保留。",
    "violation.void_reason": "撤销违规必须写明理由。",
    "violation.already_void": "这条违规记录已经撤销过了。",
    "violation.not_your_team": "只能给自己团队的学员记录违规。",
    "violation.future": "违规日期不能晚于今天。",
    # one-to-one drills
    "drill.opened": "已开始与 {name} 的一对一演练，请输入客户的第一句话。",
    "drill.already_open": "你和 {name} 已有一场进行中的一对一演练，已为你打开。",
    "drill.not_staff": "只有主管（或人力）可以发起一对一演练。",
    "drill.not_your_team": "只能和自己负责团队的学员进行一对一演练。",
    "drill.unknown_script": "未知的话术类型，请重新选择。",
    "drill.title_required": "请填写演练主题（不超过 {limit} 字）。",
    "drill.empty": "请先写下要说的话。",
    "drill.too_long": "一句话不能超过 {limit} 字。",
    "drill.finished": "这场演练已经结束，不能再发言。",
    "drill.not_customer": "只有发起演练的主管可以扮演客户发言或结束演练。",
    "drill.not_trainee": "只有参加演练的学员本人可以回复。",
    "drill.wait_customer": "请等客户说完下一句，再回复。",
    "drill.wait_trainee": "请等学员回复后，再说下一句。",
    "drill.stale": "对话已有新的发言（你看到 {seen} 条，现在 {taken} 条），请看完新内容后再发送。",
    "drill.busy": "另一条发言刚刚提交，请刷新后再试。",
    "drill.no_reply": "学员还没有回复过，不能结束演练：请等学员至少回复一次。",
    "drill.done": "演练已结束，得分 {score}，已记入能力证据并进入评阅。",
    # practice and rules
    "practice.no_rules": "话术规则尚未加载，请管理员运行 trainer content sync。",
    "practice.unknown_script": "未知的话术类型，请重新选择。",
    "practice.too_long": "回复不能超过 {limit} 字。",
    "rules.draft_invalid": "磁盘上的规则文件有错误，未能加载（生效中的规则不受影响）。",
    # learning
    "learning.enrolled": "已报名《{title}》。",
    "learning.retired": "这门课程已下线，不能再报名。",
    "learning.not_enrolled": "请先报名这门课程。",
    "learning.unknown_practice": "找不到这个练习。",
    "learning.unknown_course": "找不到这门课程。",
    "learning.no_quiz": "这门课程没有可用的测验题。",
    "learning.quiz_passed": "测验得分 {score}，已通过。",
    "learning.quiz_failed": "测验得分 {score}，及格线 {mark}，请复习后再试。",
    "learning.completed": "恭喜完成《{title}》！请花半分钟评价这门课程。",
    "learning.feedback_thanks": "感谢你的评价！",
    "learning.feedback_too_early": "完成课程后才能评价。",
    "learning.feedback_twice": "你已经评价过这门课程了。",
    "learning.assigned": "已把《{title}》指派给 {count} 名学员，截止 {due}。",
    "learning.assign_target": "请选择一个团队或一名学员。",
    "learning.due_in_past": "截止日期不能早于今天。",
    "learning.not_your_team": "只能给自己负责的团队或学员指派。",
    "learning.request_filed": "培训需求已提交，等待人力审核。",
    "learning.request_decided": "已{decision}该培训需求。",
    "learning.request_assigned": "已指定讲师 {instructor}。",
    "learning.request_archived": "已归档，交付课程《{title}》。",
    "learning.request_state": "该需求当前状态不能执行这个操作。",
    "learning.prerequisites": "建议先完成：{titles}。",
    # exams
    "exam.created": "已创建试卷《{title}》。",
    "exam.team_required": "主管只能给自己负责的团队出卷或抽查。",
    "exam.window": "截止时间必须晚于开始时间。",
    "exam.unknown_questions": "题库中没有这些题目: {ids}",
    "exam.no_questions": "试卷至少需要一道题。",
    "exam.not_enough": "分类 {category} 难度 {low}–{high} 只有 {available} 道题, 不够抽 {wanted} 道。",
    "exam.not_for_you": "这份试卷不是给你的团队的。",
    "exam.closed": "这场考试现在不在开放时间内。",
    "exam.no_attempts_left": "你的作答次数已经用完。",
    "exam.already_submitted": "这份答卷已经交卷，答案不能再修改。",
    "exam.time_up": "考试时间已到，答案不能再修改；已保存的答案已经评分。",
    "exam.not_in_attempt": "题目 {id} 不在这份答卷里。",
    "exam.bad_answer": "题目 {id} 的答案无效: {reason}",
    "exam.submitted": "已交卷，得分 {score}。",
    "exam.submitted_marking": "已交卷。试卷里有问答题，批阅后公布得分。",
    "exam.timed_out_marking": "考试时间已到，系统已按保存的答案自动交卷；问答题批阅后公布得分。",
    "exam.submitted_late_marking": ("交卷时已超过考试时间，这次提交的修改没有计入；"
                                    "已按保存的答案评分，问答题批阅后公布得分。"),
    "exam.submitted_late": "交卷时已超过考试时间，这次提交的修改没有计入；按已保存的答案评分，得分 {score}。",
    "exam.timed_out": "考试时间已到，系统已按保存的答案自动交卷，得分 {score}。",
    "exam.closed_book": "闭卷考试进行中，交卷前不能打开课程、练习和复习。",
    "recall.done": "复习完成: 答对 {right}/{total} 题，系统已安排下次复习时间。",
    "weekly.none": "本周还没有题目。",
    "weekly.already": "你本周已经答过了。",
    "weekly.empty": "请先作答",
    "weekly.set": "已设置本周题目。",
    "weekly.unknown_question": "题库中没有这道题 (或已下线)。",
    "weekly.not_auto_graded": "每周一题只能用可自动评分的题型 (单选、多选、判断、填空)。",
    "weekly.already_answered": "本周已经有人作答，不能再换题。",
    "spot.nothing_to_draw": "团队里没有学员或题库为空，无法抽查。",
    "spot.already": "这次抽查已经记录过了。",
    "spot.recorded": "已记录对 {name} 的抽查结果。",
    "typing.already": "这次打字测试已经交卷。",
    # role-play
    "roleplay.unknown_scenario": "没有这个情景。",
    "roleplay.not_yours": "这不是你的演练。",
    "roleplay.finished": "这次演练已经结束，不能再发送回复。",
    "roleplay.empty": "回复不能为空。",
    "roleplay.too_long": "回复不能超过 {limit} 字。",
    "roleplay.stale": (
        "这条回复没有发送：对话已经有 {taken} 轮回复，而你的页面停在第 {seen} 轮"
        "（可能重复点击了发送，或在另一个窗口回复过）。请看最新的对话后再回复。"
    ),
    "roleplay.bad_after": "after 必须是非负整数（你已看到的回复轮数）。",
    "roleplay.busy": "上一条回复还在处理（可能在另一个窗口发送过），请刷新页面后再继续。",
    "api.scenario_required": "请求体必须包含 scenario (情景 id)。",
    "gift.not_utf8": "文件不是 UTF-8 编码，请另存为 UTF-8 后重新上传。",
    "gift.unreadable": "无法解析这个 GIFT 文件（第 {line} 行: {reason}），没有导入任何题目。",
    "gift.imported": "导入完成：导入 {imported} 道题，跳过 {skipped} 道。",
    "xlsx.imported": "导入完成：新增 {imported} 道题，更新 {updated} 道。",
    "xlsx.refused": "没有导入任何题目：文件里有 {count} 处问题（见下方列表）。改好后请重新上传整个文件。",
    # scoring interface errors (CLI and API)
    "score.bad_json": "这一行不是有效的 JSON 对象。",
    "score.not_utf8": "这一行不是 UTF-8 编码。",
    "score.no_text": "缺少 text 字段 (字符串)。",
    "score.not_text": "text 必须是字符串。",
    "score.too_long": "text 超过 {limit} 字，已拒绝。",
    "score.unknown_script": "未知的话术类型 {script!r}。",
    "score.bad_script": "script 必须是字符串。",
    # errors
    "error.400": "请求无法处理，请检查填写的内容后重试。",
    "error.csrf": (
        "表单已失效（可能是页面停留过久或在别处退出了登录）。请返回上一页刷新后再提交，已填写的内容请先复制保存。"
    ),
    "error.403": "您没有权限访问这个页面。",
    "error.404": "找不到您要访问的页面或记录。",
    "error.405": "不支持这种访问方式。",
    "error.413": "提交的内容太大，已被拒绝。请缩短内容或拆分后再提交。",
    "error.429": "操作过于频繁，请稍后再试。",
    "error.503": "服务暂时不可用，请稍后再试。",
    "error.database": (
        "数据库暂时无法使用（可能正在维护、只读或空间已满），您这次的操作可能没有完成。"
        "请稍后刷新页面，确认结果后再重试；如果持续出现，请联系管理员。"
    ),
    "error.home": "回到首页",
    "error.500": "服务器出了点问题，您的操作没有完成。请稍后重试；如果问题持续，请联系管理员。",
    # API
    "api.unauthorized": "缺少或无效的 API 令牌 (Authorization: Bearer …)。",
    "api.rate_limited": "这个 API 令牌的请求过于频繁（每 {period}最多 {limit} 次），请 {wait}后再试。",
    # KPI monthly report
    "kpi.not_your_team": "你只能查看自己负责的团队的 KPI 月报。",
    "kpi.unknown_team": "没有这个团队。",
    "kpi.content_invalid": "KPI 目标文件有误，月报暂时无法生成：{problems}",
    "api.forbidden": "该令牌的用户无权执行此操作。",
    "api.not_found": "资源不存在。",
    "api.bad_json": "请求体必须是 JSON 对象。",
    "api.text_required": "请求体必须包含非空的 text (回复内容)。",
    "api.bad_indicator": "indicator 不是能力模型里的二级指标。",
    "api.bad_months": "months 应为 1 到 {most} 之间的整数。",
    "api.bad_kind": "kind 必须是以下之一: {kinds}",
    "api.bad_grade": (
        "评分格式不对: ratings 是 {{指标: 1–5 或 null}}, comment 是文字, override 是 {{score, reason}} 或 null, "
        "verdicts 是 [{{hit, verdict, note}}], turn_comments 是 {{轮次: 文字}}。"
    ),
}

ROLE_LABELS = {"trainee": "学员", "supervisor": "主管", "hr": "人力", "admin": "管理员"}

MASTERY_LABELS = {
    "decaying_average": "衰减平均 (最近一次占 65%)",
    "most_recent": "最近一次",
    "highest": "最高分",
    "mean": "平均分",
}

SOURCE_LABELS = {
    "review": "主管评阅",
    "drill": "一对一演练",
    "demo": "示例数据",
    "correction": "更正",
    "supervisor": "主管评定",
    "practice": "话术练习",
    "course": "微课程",
    "quiz": "课程测验",
    "exam": "考试",
    "typing": "打字测试",
    "roleplay": "情景演练",
    "weekly": "每周一题",
}


HIT_STATUS_LABELS = {
    "counted": "计入",
    "quoted": "在引号内，是客户的原话，不计入",
    "word_boundary": "只是某个词的一部分（「{detail}」），不计入",
    "allowed_context": "处在允许的语境「{detail}」中，不计入",
    "not_alone": "规则只针对单独成句的用法，这里是「{detail}」，不计入",
    "clause_too_long": "规则只针对短句，这里的分句「{detail}」较长，不计入",
    "lifted_by": "同一句中有「{detail}」，属于得体的说法，不计入",
    "without_companion": "规则要求同一句中同时出现「{detail}」，这里没有，不计入",
}

MISSING_REASON_LABELS = {
    "absent": "没有出现",
    "position": "出现了但位置不对",
}

SEVERITY_LABELS = {"minor": "轻微", "major": "严重", "critical": "恶劣"}

POSITION_LABELS = {"anywhere": "任意位置", "first_sentence": "第一句", "last_sentence": "最后一句"}


SEGMENT_KIND_LABELS = {
    "explain": "讲解", "case": "案例", "discussion": "讨论", "practice": "练习", "roleplay": "情景演练", "quiz": "测验",
}

QUESTION_TYPE_LABELS = {
    "single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题", "short": "简答题",
    "reply": "话术题", "essay": "问答题", "matching": "匹配题", "numerical": "数值题", "description": "说明",
}

REQUEST_STATUS_LABELS = {
    "submitted": "待审核", "approved": "已批准, 待指定讲师", "rejected": "已驳回", "assigned": "讲师已指定, 实施中",
    "archived": "已归档",
}


OUTCOME_LABELS = {"resolved": "已解决", "escalated": "升级到主管", "hung_up": "客户挂断", "turn_limit": "轮次用完"}

OUTCOME_TEXT = {
    "resolved": "投诉已解决：客户接受了你的方案。",
    "escalated": "客户要求找你的主管——这次投诉升级了。回看对话，看看哪一句让情绪失控。",
    "hung_up": "客户挂断了电话。回看对话，看看哪一句让情绪失控。",
    "turn_limit": "对话轮次用完，问题还没有解决。",
}

ITEM_KIND_LABELS = {"roleplay": "情景演练", "course_practice": "课程练习", "exam_answer": "考试作答",
                    "exam_essay": "问答题批阅", "practice": "话术练习", "drill": "一对一演练"}
FLAG_LABELS = {"critical": "严重忌语", "failed": "未达标", "escalated": "升级投诉", "hung_up": "客户挂断"}
HIT_KIND_LABELS = {"banned": "服务忌语", "group_found": "礼貌用语", "group_missing": "缺少礼貌用语",
                   "point_covered": "要点已答到", "point_missing": "要点未答到"}
GRADE_FLAG_LABELS = {"contradicts": "与事实不符", "off_topic": "答非所问", "not_a_sentence": "不成句",
                     "repeated": "重复", "too_long": "啰嗦", "critical": "严重忌语"}
VERDICT_LABELS = {"correct": "机检正确", "wrong": "机检错误"}
DECISION_LABELS = {"accept": "接受申诉", "partial": "部分接受", "reject": "驳回申诉"}
VIOLATION_LEVEL_LABELS = {"severe": "重度违规", "medium": "中度违规", "light": "轻度违规"}
AUDIT_ACTION_LABELS = {
    "grade": "评分", "regrade": "重新评分", "override": "改分", "verdict": "机检判定", "acknowledge": "学员确认",
    "dispute": "学员申诉", "decision": "申诉处理", "calibration_open": "发起校准", "calibration_grade": "校准评分",
    "violation": "记录违规", "violation_void": "撤销违规", "correction": "更正证据", "spot_check": "随机抽查",
    "promotion": "晋级决定", "delphi_weights": "德尔菲权重",
}
#: the administrative audit log (/admin/audit); a record with no actor was made from the command line
ADMIN_AUDIT_LABELS = {
    "user_create": "创建用户", "user_update": "修改用户", "user_disable": "停用账号", "user_enable": "启用账号",
    "password_reset": "重置密码", "password_change": "本人修改密码", "token_issue": "签发 API 令牌",
    "token_revoke": "撤销 API 令牌", "team_create": "创建团队", "team_update": "修改团队",
    "content_sync": "同步内容", "gift_import": "导入 GIFT 题目", "xlsx_import": "导入 Excel 题目",
}
ADMIN_AUDIT_FIELD_LABELS = {
    "username": "用户名", "display_name": "姓名", "role": "角色", "team": "所属团队", "grade": "职级",
    "hire_date": "入职日期", "active": "账号启用", "led_teams": "负责团队", "name": "名称", "description": "说明",
    "supervisors": "负责主管", "token_created_at": "令牌签发时间 (UTC)", "changes": "变更", "count": "变更数",
    "source": "来源", "category": "默认分类", "imported": "新增", "updated": "更新", "skipped": "跳过",
}
COMMAND_LINE_ACTOR = "命令行"

DOMAIN_LABELS = {"property": "物业服务", "utility": "公用事业热线", "ecommerce": "电商客服"}
CHANNEL_LABELS = {"phone": "电话", "counter": "前台", "chat": "在线"}


def msg(key: str, **values: object) -> str:
    return MESSAGES[key].format(**values)


def duration(seconds: int) -> str:
    """A wait in words: 45 秒, 2 分钟, 1 分 30 秒."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} 分钟" if not rest else f"{minutes} 分 {rest} 秒"


class ServiceError(Exception):
    """A business rule refused what was asked: `key` names the message, `status` the HTTP status for pages and API.

    One error type for every room's services (DESIGN.md), so views turn any refusal into the same
    flash message, form error or `{"error", "status"}` JSON without knowing which room raised it.
    """

    def __init__(self, key: str, status: int = 400, **values: object):
        super().__init__(key)
        self.key, self.status, self.values = key, status, values

    @property
    def text(self) -> str:
        return msg(self.key, **self.values)
