"""What the meeting brief built from ``brief_history`` (tests/actionplans/conftest.py) must show:
checked on the page (test_meeting_brief.py) and in the PDF (test_meeting_brief_pdf.py)."""

# What the brief for «Høstmøte 2026» (m2) must say, and what it must leave out.
M2_UPDATES = {
    "På vårmøtet.",
    "Søknaden er under arbeid.",
    "Venter på tall fra to kommuner.",
    "Første utkast skrevet.",
    "Søknaden er sendt.",
}
M2_OVERDUE = {
    "Oppstartsmøte for boligstrategien",
    "Kartlegge boligbehovet",
    "Utkast til boligstrategi",
}
M2_DUE_SOON = {
    "Regionalt næringsforum",
    "Høringssvar til regional plan",
    "Kraftbehov kartlagt",
    "Tomteselskap stiftet",
}
