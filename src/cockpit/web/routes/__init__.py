"""One module per room, each defining ``router``; included by ``cockpit.web.app``."""
