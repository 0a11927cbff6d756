"""Application scenarios: scenario lists, open calls (揭榜挂帅), matching, case library and OCDS export."""
