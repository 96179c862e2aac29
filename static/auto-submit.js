// Sends the form on the page at once (the answer to a relying party, or a logout); the
// button stays for a browser without scripts.
document.getElementById('auto-submit').submit();
