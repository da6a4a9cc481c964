"""Hand-written pages of the host UI: home, party searches, customer panel, actions dialog, history."""
