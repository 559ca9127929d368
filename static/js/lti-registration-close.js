// LTI Dynamic Registration §3.7: tell the platform that opened us (its iframe's parent, or the window that opened this
// one) that registration is over, so it closes the dialog and reloads its list of tools.
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
