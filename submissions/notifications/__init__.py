"""Notifications: recorded for each person's notifications page and emailed to them, at once or in
a daily digest; and the reminders sent before submission deadlines."""
