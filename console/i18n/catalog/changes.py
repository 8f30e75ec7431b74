"""Messages of personnel change requests (accounts.changes): the article-6 chain."""

ZH: dict[str, str] = {
    "err.change_not_found": "找不到人员变更申请 {request}。",
    "err.change_state_changed": "人员变更申请 {request} 的状态已变为「{state}」（可能他人刚刚处理过）：请刷新后再试。",
    "err.change_actor_unusable": "当前账号不可用（未启用、已停用或不在有效期内），不能处理人员变更申请。",
    "err.change_own_request": "不能审核、审批或执行自己提交的或与本人有关的人员变更申请。",
    "err.change_not_authorised": "无权处理该申请：需要在 {unit} 拥有「{role}」权限，或是其当日的代理人。",
    "err.change_submitter_only": "只有申请提交人才能撤回申请。",
    "err.change_reason_required": "请填写理由。",
    "err.change_bad_payload": "申请内容不完整或格式不正确：{field}。",
    "err.change_kind_unknown": "未知的申请类型：{kind}（可选 onboard、modify、transfer、offboard）。",
    "err.change_login_taken": "登录名 {login} 已被使用：请换一个。",
    "err.change_successor_required": "{account} 还有未办结的工单：请指定本单位的接手人。",
    "err.change_successor_unfit": "接手人 {successor} 不是本单位可办理工单（有经办角色）的在用账号，不能接手工单。",
    "err.change_not_active": "账号 {account} 当前不是在用状态，不能执行此操作。",
    "err.change_deputy_range": "代理期限不正确：结束时间必须晚于开始时间。",
    "err.change_deputy_self": "不能指定自己为代理人。",
    "err.change_deputy_unusable": "代理人 {deputy} 不是在用账号。",
}

EN: dict[str, str] = {
    "err.change_not_found": "No personnel change request {request}.",
    "err.change_state_changed": "Personnel change request {request} is now '{state}' (someone may have just acted on it): refresh and try again.",
    "err.change_actor_unusable": "Your account is not usable (not active, disabled or outside its validity), so it cannot act on change requests.",
    "err.change_own_request": "Nobody may review, approve or execute a change request they submitted or that concerns themselves.",
    "err.change_not_authorised": "Not allowed: this needs the role '{role}' over {unit}, or being that person's deputy today.",
    "err.change_submitter_only": "Only the person who submitted a request may withdraw it.",
    "err.change_reason_required": "A reason is required.",
    "err.change_bad_payload": "The request is incomplete or malformed: {field}.",
    "err.change_kind_unknown": "Unknown request kind: {kind} (onboard, modify, transfer or offboard).",
    "err.change_login_taken": "The login name {login} is already taken: choose another.",
    "err.change_successor_required": "{account} still has open cases: name successors in the same unit.",
    "err.change_successor_unfit": "Successor {successor} is not an active account of the same unit with a role that handles cases, so cannot take them.",
    "err.change_not_active": "Account {account} is not active: this cannot be done.",
    "err.change_deputy_range": "The deputy period is wrong: its end must come after its start.",
    "err.change_deputy_self": "You cannot name yourself as your deputy.",
    "err.change_deputy_unusable": "Deputy {deputy} is not an active account.",
}
