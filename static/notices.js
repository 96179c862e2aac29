// The notices app's only script (no inline scripts: the CSP forbids them). Everything
// here is a convenience; every page works without it.
document.addEventListener('DOMContentLoaded', () => {
  for (const button of document.querySelectorAll('[data-print]')) {
    button.addEventListener('click', () => window.print());
  }

  // Says at once that a receipt is too large, instead of after the upload.
  for (const input of document.querySelectorAll('input[type=file][data-max-bytes]')) {
    const message = document.getElementById(`${input.id}-client-error`);
    input.addEventListener('change', () => {
      const file = input.files && input.files[0];
      const tooLarge = Boolean(file && file.size > Number(input.dataset.maxBytes));
      if (message) {
        message.textContent = tooLarge ? input.dataset.tooLarge : '';
        message.hidden = !tooLarge;
      }
      input.setCustomValidity(tooLarge ? input.dataset.tooLarge : '');
      if (tooLarge) input.value = '';
    });
  }
});
