// The passkey ceremony of the 生体認証 pages (no inline scripts: the CSP forbids them).
// The server puts the options in the form's data-options and the messages in data-msg-*;
// this asks the browser for a passkey, and posts its answer as JSON in `credential`.
(function () {
  'use strict';
  var form = document.getElementById('webauthn-form');
  if (!form) return;
  var button = document.getElementById('webauthn-start');
  var field = document.getElementById('webauthn-credential');
  var errorBox = document.getElementById('webauthn-error');
  var creating = form.dataset.ceremony === 'create';
  var PKC = window.PublicKeyCredential;

  function say(key) {
    var serverError = document.getElementById('form-error');
    if (serverError) serverError.hidden = true;
    errorBox.textContent = form.dataset[key] || form.dataset.msgFailed;
    errorBox.hidden = false;
  }

  // base64url <-> bytes, for browsers without parse*OptionsFromJSON / toJSON.
  function toBytes(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(b64 + '===='.slice(0, (4 - (b64.length % 4)) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }
  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function descriptors(list) {
    return (list || []).map(function (c) {
      return { type: c.type || 'public-key', id: toBytes(c.id), transports: c.transports };
    });
  }

  function publicKeyOptions(json) {
    if (creating && typeof PKC.parseCreationOptionsFromJSON === 'function') return PKC.parseCreationOptionsFromJSON(json);
    if (!creating && typeof PKC.parseRequestOptionsFromJSON === 'function') return PKC.parseRequestOptionsFromJSON(json);
    var options = Object.assign({}, json, { challenge: toBytes(json.challenge) });
    if (creating) {
      options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
      options.excludeCredentials = descriptors(json.excludeCredentials);
    } else {
      options.allowCredentials = descriptors(json.allowCredentials);
    }
    return options;
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === 'function') return credential.toJSON();
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (creating) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: response,
    };
  }

  function messageFor(error) {
    switch (error && error.name) {
      case 'NotAllowedError': // cancelled, timed out, or the device could not verify the member
      case 'AbortError':
        return 'msgCancelled';
      case 'InvalidStateError': // a passkey of this device is in excludeCredentials
        return creating ? 'msgExists' : 'msgFailed';
      case 'NotSupportedError':
        return 'msgUnsupported';
      default:
        return 'msgFailed';
    }
  }

  if (!PKC || !navigator.credentials || !window.isSecureContext) {
    say('msgUnsupported');
    // What is left to the member (the authenticator app, a recovery code) is folded away: unfold it.
    Array.prototype.forEach.call(document.querySelectorAll('details.manual'), function (d) { d.open = true; });
    return;
  }

  button.disabled = false;
  button.addEventListener('click', function () {
    var publicKey;
    try {
      publicKey = publicKeyOptions(JSON.parse(form.dataset.options));
    } catch (e) {
      say('msgFailed');
      return;
    }
    button.disabled = true;
    errorBox.hidden = true;
    var request = creating ? navigator.credentials.create({ publicKey: publicKey }) : navigator.credentials.get({ publicKey: publicKey });
    request
      .then(function (credential) {
        if (!credential) throw new Error('no credential');
        field.value = JSON.stringify(credentialJSON(credential));
        form.submit();
      })
      .catch(function (error) {
        button.disabled = false;
        say(messageFor(error));
      });
  });
})();
