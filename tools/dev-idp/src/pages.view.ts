// The few HTML pages of the dev identity provider, bilingual (zh-CN first, then English). Form field
// names follow Keycloak's login theme (username, password, login) so scripts written against one work
// against the other.

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f3f4f6;margin:0}
main{max-width:380px;margin:64px auto;background:#fff;padding:32px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4em;margin:0 0 4px}p.sub{color:#6b7280;margin:0 0 24px}
label{display:block;margin:12px 0 4px;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;font-size:1em;border:1px solid #d1d5db;border-radius:4px}
button{margin-top:20px;width:100%;padding:10px;font-size:1em;background:#0f766e;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{background:#fef2f2;color:#991b1b;padding:8px 12px;border-radius:4px;margin-bottom:12px}
.note{color:#6b7280;font-size:.85em;margin-top:20px}`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface LoginPageModel {
  readonly realmDisplayName: string;
  readonly clientName: string;
  readonly action: string;
  readonly username?: string;
  readonly error?: { readonly zh: string; readonly en: string };
}

export function loginPage(model: LoginPageModel): string {
  const error =
    model.error === undefined
      ? ''
      : `<div class="error" id="input-error" role="alert">${escapeHtml(model.error.zh)}<br>${escapeHtml(model.error.en)}</div>`;
  return layout(
    `登录 ${model.realmDisplayName} / Sign in to ${model.realmDisplayName}`,
    `<h1 id="kc-page-title">登录您的账户<br>Sign in to your account</h1>
<p class="sub">${escapeHtml(model.clientName)}</p>
${error}
<form id="kc-form-login" action="${escapeHtml(model.action)}" method="post">
<label for="username">用户名或邮箱 / Username or email</label>
<input id="username" name="username" type="text" value="${escapeHtml(model.username ?? '')}" autocomplete="username" autofocus required>
<label for="password">密码 / Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="kc-login" name="login" type="submit" value="login">登录 / Sign in</button>
</form>
<p class="note">开发用身份提供方，仅用于演示数据。<br>Development identity provider: demo accounts only.</p>`,
  );
}

export function errorPage(details: Readonly<Record<string, string | undefined>>): string {
  const rows = Object.entries(details)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
    .join('\n');
  return layout(
    '出错了 / We are sorry…',
    `<h1>出错了<br>We are sorry…</h1>
${rows}`,
  );
}

/** oidc-provider's logout confirmation; `form` is its hidden form (with the anti-forgery token). */
export function logoutPage(form: string, autoSubmit: boolean): string {
  const script = autoSubmit
    ? `<script>(function(){var f=document.getElementById('op.logoutForm');var i=document.createElement('input');i.type='hidden';i.name='logout';i.value='yes';f.appendChild(i);f.submit();})();</script>`
    : '';
  return layout(
    '退出登录 / Logging out',
    `<h1>您要退出登录吗？<br>Do you want to log out?</h1>
${form}
<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">退出 / Logout</button>
${script}`,
  );
}

export function loggedOutPage(): string {
  return layout('已退出 / Logged out', '<h1>您已退出登录<br>You are logged out</h1>');
}
