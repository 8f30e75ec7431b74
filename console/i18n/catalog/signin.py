"""Messages of passwords, activation codes, TOTP, sign-in and console sessions."""

ZH: dict[str, str] = {
    # password policy
    "err.password_too_long": "密码过长：最多 {max_bytes} 字节（UTF-8）。请换一个较短的密码。",
    "err.password_control": "密码含有控制字符或不可见字符：请只用可见字符。",
    "err.password_too_short": "密码太短：至少 {min_length} 个字符。",
    "err.password_classes": "密码至少要包含小写字母、大写字母、数字、其他符号中的 {min_classes} 类。",
    "err.password_contains_name": "密码不能包含登录名或姓名：请换一个密码。",
    "err.password_reused": "不能使用最近 {history} 次用过的密码：请换一个新密码。",
    # TOTP
    "err.totp_already_enrolled": "该账号已绑定动态口令（TOTP）：如需更换，请先由管理员重置。",
    "err.totp_not_enrolled": "该账号尚未开始绑定动态口令（TOTP）：请先运行绑定步骤。",
    "err.totp_invalid": "动态口令不正确或已过期：请输入验证器上当前显示的 6 位数字。",
    # sign-in, activation, sessions
    "err.signin_failed": "登录失败：登录名、密码或动态口令不正确，或账号暂不能登录。连续失败多次会锁定账号。",
    "err.activation_failed": "激活失败：登录名或激活码不正确、激活码已用过或已过期，或账号暂不能激活。请向管理员重新申请激活码。",
    "err.signin_required": "尚未登录：请先运行 jzctl login。",
    "err.session_expired": "会话因长时间未操作已结束：请重新运行 jzctl login。",
    "err.session_ended": "会话已结束（账号已停用、锁定或不在有效期内）：请联系管理员。",
    "err.account_not_locked": "账号 {account} 没有被锁定，也没有登录失败记录：无需解锁。",
}

EN: dict[str, str] = {
    "err.password_too_long": "The password is too long: at most {max_bytes} bytes (UTF-8). Choose a shorter one.",
    "err.password_control": "The password contains control or invisible characters: use visible characters only.",
    "err.password_too_short": "The password is too short: at least {min_length} characters.",
    "err.password_classes": "The password must mix at least {min_classes} of: lower-case letters, upper-case letters, digits, other symbols.",
    "err.password_contains_name": "The password must not contain the login name or the person's name: choose another one.",
    "err.password_reused": "The password was one of the last {history} used: choose a new one.",
    "err.totp_already_enrolled": "This account already has a TOTP authenticator: an administrator must reset it before a new one is enrolled.",
    "err.totp_not_enrolled": "TOTP enrolment has not started for this account: run the enrolment step first.",
    "err.totp_invalid": "The TOTP code is wrong or has expired: enter the 6 digits your authenticator shows now.",
    "err.signin_failed": "Sign-in failed: the login name, password or TOTP code is wrong, or the account cannot sign in now. Repeated failures lock the account.",
    "err.activation_failed": "Activation failed: the login name or activation code is wrong, the code was used or has expired, or the account cannot be activated now. Ask an administrator for a new code.",
    "err.signin_required": "Not signed in: run jzctl login first.",
    "err.session_expired": "The session ended after a period of inactivity: run jzctl login again.",
    "err.session_ended": "The session has ended (the account is disabled, locked or outside its validity period): contact an administrator.",
    "err.account_not_locked": "Account {account} is not locked and has no failed sign-ins: nothing to unlock.",
}
