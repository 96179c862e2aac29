// The print button of the recovery-codes page (no inline scripts: the CSP forbids them).
document.getElementById('print-button')?.addEventListener('click', () => window.print());
