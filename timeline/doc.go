// Package timeline turns an incident and its events into the report
// managers read afterwards: the export of DESIGN §4 (Build, Export and its
// JSON), each event's impact phase, the analysis (decisions, microscopes,
// regressions, actions), the findings and follow-ups, the facts a summary
// is written from and the template summary, the monthly and per-severity
// statistics (BuildReport), and the Markdown report.
//
// timeline is pure: it is given an incident and its events and returns
// values; it reads no clock, does no I/O and knows no store. It imports
// only the domain (incident) and the standard library: never net/http,
// storage or the chat engine. Its readers load from a store themselves:
// the report pages and the API (timeline/web, which also serves Load for
// `tourniquet export`) and the postmortem draft (postmortem). Tests build
// incidents with timeline/timelinetest.
package timeline
