"""Forecasts and nowcasts: statsforecast models, holiday regressors, backtests and hierarchical reconciliation."""
