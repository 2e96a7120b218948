//! A schedule node-cron 3 read differently from cron, written as a
//! standard expression with node-cron's meaning.
//!
//! node-cron's reading (`schedule::node_cron`) is six sets of values, the
//! two day fields both required. Each set is written back out in the
//! plain numeric forms of `export::cron_fields`. The day fields need care:
//! cron runs on *either* day field when both are restricted, so where
//! node-cron required both, one of them is written starting with `*`
//! (`*/n,...`), which Vixie cron and jobrun read as unrestricted while it
//! still lists its days. Such a field always holds its first value (day 1,
//! or Sunday), so a reading that requires both day fields and holds neither
//! has no standard expression at all. Every expression made here is read
//! back with jobrun's parser and compared with node-cron's reading before
//! it is used.

use crate::export::cron_fields::{CRON, is_full, render, starred};
use crate::schedule::node_cron::{self, Difference, NodeCronReading};
use crate::schedule::{DAY_OF_MONTH, DAY_OF_WEEK, FieldSet, HOUR, MINUTE, MONTH, SECOND, Schedule};

/// What becomes of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rewrite {
    /// node-cron read it as cron does (or refused it, and the Node
    /// scheduler never ran it): it stays.
    Same,
    /// This standard expression runs when node-cron ran the original;
    /// `differences` say how node-cron's reading differed from cron's.
    Standard {
        text: String,
        differences: Vec<Difference>,
    },
    /// No standard expression runs when node-cron did; why, in words.
    Impossible(String),
}

/// The standard expression for `text`, as node-cron 3 read it.
pub(crate) fn rewrite(text: &str) -> Rewrite {
    let (Some(reading), Ok(schedule)) = (node_cron::read(text), Schedule::parse(text)) else {
        return Rewrite::Same;
    };
    let differences = node_cron::compare(&reading, &schedule);
    if differences.is_empty() {
        return Rewrite::Same;
    }
    let [seconds, minutes, hours, dom, months, dow] = reading.fields;
    if dow == FieldSet::default() {
        return Rewrite::Impossible(
            "node-cron 3 read no day of week in it, so the Node scheduler never ran it".into(),
        );
    }
    let Some((dom_text, dow_text)) = days(dom, dow) else {
        return Rewrite::Impossible(format!(
            "node-cron 3 ran it only on days that are both {} and {}, and cron cannot require both day fields unless one of them holds day 1 or Sunday",
            node_cron::render(dom, 3),
            node_cron::render(dow, 5)
        ));
    };
    let mut fields = Vec::with_capacity(6);
    if text.split_whitespace().count() == 6 || seconds != FieldSet::default().with(0) {
        fields.push(render(seconds, SECOND, CRON));
    }
    fields.extend([
        render(minutes, MINUTE, CRON),
        render(hours, HOUR, CRON),
        dom_text,
        render(months, MONTH, CRON),
        dow_text,
    ]);
    let standard = fields.join(" ");
    if !means(&standard, &reading) {
        return Rewrite::Impossible(format!(
            "jobrun could not write node-cron 3's reading as a standard expression (`{standard}` means something else)"
        ));
    }
    Rewrite::Standard {
        text: standard,
        differences,
    }
}

/// The day fields for node-cron's rule, both required: a full field is
/// `*`; when both are restricted, the one holding its first value is
/// written starting with `*`.
fn days(dom: FieldSet, dow: FieldSet) -> Option<(String, String)> {
    let (dom_full, dow_full) = (is_full(dom, DAY_OF_MONTH), is_full(dow, DAY_OF_WEEK));
    if dom_full || dow_full {
        return Some((
            render(dom, DAY_OF_MONTH, CRON),
            render(dow, DAY_OF_WEEK, CRON),
        ));
    }
    if dom.contains(DAY_OF_MONTH.min) {
        Some((starred(dom, DAY_OF_MONTH), render(dow, DAY_OF_WEEK, CRON)))
    } else if dow.contains(0) {
        Some((render(dom, DAY_OF_MONTH, CRON), starred(dow, DAY_OF_WEEK)))
    } else {
        None
    }
}

/// Whether jobrun reads `standard` as node-cron read the original.
fn means(standard: &str, reading: &NodeCronReading) -> bool {
    let Ok(schedule) = Schedule::parse(standard) else {
        return false;
    };
    node_cron::compare(reading, &schedule).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(text: &str) -> String {
        match rewrite(text) {
            Rewrite::Standard { text, .. } => text,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn schedules_read_alike_stay() {
        for text in ["30 18 * * 1-5", "0 1 13 * * 1-5", "*/5 * * * * *", "@daily"] {
            assert_eq!(rewrite(text), Rewrite::Same, "{text}");
        }
    }

    #[test]
    fn steps_become_the_values_node_cron_kept() {
        assert_eq!(standard("0 0 */2 * *"), "0 0 2-30/2 * *");
        assert_eq!(standard("0 0 1 */3 *"), "0 0 1 3-12/3 *");
        assert_eq!(standard("1,*/20 * * * *"), "0-40/20 * * * *");
        assert_eq!(standard("0 0 */7 * *"), "0 0 7-28/7 * *");
    }

    #[test]
    fn weekday_sevens_become_what_node_cron_ran() {
        assert_eq!(standard("0 0 * * 6-7"), "0 0 * * *");
        assert_eq!(standard("0 0 * * 1-7"), "0 0 * * 0,1");
        assert_eq!(standard("30 10 * * * 1-7"), "30 10 * * * 0,1");
    }

    #[test]
    fn both_day_fields_required_keep_one_starred() {
        // The 1st of the month when it is a Monday.
        assert_eq!(standard("0 0 1 * 1"), "0 0 */31 * 1");
        // The 1st-7th when it is a Sunday: the weekday can carry the star.
        assert_eq!(standard("0 0 2-8 * 0"), "0 0 2-8 * */7");
    }

    #[test]
    fn days_that_cron_cannot_require_together_are_impossible() {
        // Even days that are weekdays: neither field holds its first value.
        let Rewrite::Impossible(why) = rewrite("0 0 */2 * 1-5") else {
            panic!()
        };
        assert!(
            why.contains("both 2,4,...,30 (even days) and Mon-Fri"),
            "{why}"
        );
    }

    #[test]
    fn every_rewrite_in_the_node_cron_fixture_means_what_node_cron_read() {
        #[derive(serde::Deserialize)]
        struct Fixture {
            expression: String,
        }
        let fixtures: Vec<Fixture> =
            serde_json::from_str(include_str!("../../tests/fixtures/node-cron/readings.json"))
                .unwrap();
        let mut rewritten = 0;
        for f in fixtures {
            if let Rewrite::Standard { text, .. } = rewrite(&f.expression) {
                let reading = node_cron::read(&f.expression).unwrap();
                assert!(means(&text, &reading), "{} -> {text}", f.expression);
                rewritten += 1;
            }
        }
        assert!(rewritten >= 15, "{rewritten}");
    }
}
