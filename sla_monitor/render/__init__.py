"""How results look to people: JSON documents and CSV, terminal tables, calendars."""
