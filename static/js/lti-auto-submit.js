// The deep-linking response goes back to the platform by POST; the button stays for browsers without JavaScript.
document.querySelectorAll("form[data-lti-auto-submit]").forEach((form) => form.submit());
