"""Early warning: alert rules as data, detectors, the Order + List foreign-trade warning, lifecycle and notifications."""
