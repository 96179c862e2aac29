// The new-password forms: the rules that need no server (length, characters, the two
// fields equal) are checked before sending, so such a mistake clears neither field.
// The server checks everything again; its own rules (birth date, initial password, …)
// come back as a message on the reloaded page.
(() => {
  const box = document.getElementById('password-check');
  const password = document.getElementById('password');
  const confirm = document.getElementById('password_confirm');
  if (!box || !password || !confirm) return;
  const allowed = /^[A-Za-z0-9!"#%&'()*=~/`{+}<>?\-^¥\\@[:;\],.]$/;
  const problem = () => {
    const value = password.value;
    const bad = [...value].find((c) => !allowed.test(c));
    if (bad !== undefined) return box.dataset.charset.replace('{char}', bad === ' ' || bad === '\u3000' ? '␣' : bad);
    if (value.length < 8 || value.length > 64) return box.dataset.length;
    if (value !== confirm.value) return box.dataset.mismatch;
    return null;
  };
  password.form.addEventListener('submit', (event) => {
    const message = problem();
    if (!message) return;
    event.preventDefault();
    box.textContent = message;
    box.hidden = false;
    (message === box.dataset.mismatch ? confirm : password).focus();
  });
})();
