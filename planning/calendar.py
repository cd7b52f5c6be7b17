"""The round's timetable as an iCalendar file that Outlook and other calendars import."""

import datetime

from django.utils import timezone
from icalendar import Calendar, Event


def timetable_ics(*, round, system, milestones, host):
    """All-day events, one per milestone, with stable UIDs so a re-import updates rather than duplicates."""
    calendar = Calendar()
    calendar.add("prodid", "-//NHS system planning//Timetable//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    scope = f"{system.name} and national" if system else "National"
    calendar.add("x-wr-calname", f"{round.name} planning timetable ({scope})")
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    for milestone in milestones:
        event = Event()
        event.add("uid", f"milestone-{milestone.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", milestone.date)
        end = _day_after(milestone.last_day)
        if end is not None:
            # Without DTEND an all-day event is that one day (RFC 5545, 3.6.1).
            event.add("dtend", end)
        event.add("summary", milestone.title)
        where = milestone.system.name if milestone.system_id else "National"
        details = [f"{where} milestone: {milestone.get_kind_display()}"]
        details.append(f"Applies to: {milestone.get_level_display()}")
        if milestone.stage:
            details.append(f"Stage: {milestone.get_stage_display()}")
        if milestone.date_note:
            details.append(f"Date as published: {milestone.date_note} {milestone.date:%d %B %Y}")
        event.add("description", "\n".join(details))
        event.add("categories", [milestone.get_kind_display()])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


def _day_after(day):
    """The day after `day`, or None after the last day a date can have (9999-12-31, which an
    old milestone may still hold): one milestone never breaks everyone's calendar file."""
    try:
        return day + datetime.timedelta(days=1)
    except OverflowError:
        return None
