//! The starter designs of `hld init`: one per classic interview question.
//!
//! Templates are data: each is a plain design file in `templates/init/`,
//! embedded with `include_str!` and registered in [`TEMPLATES`], the one
//! table the command, its `--list` and the tests read. Each file's header
//! comment states the question, the requirements and scale, how the design
//! answers it, and an "Exercises" section: the findings `hld check` reports
//! on it, each a deliberate weakness with the change that removes it
//! (`tests/it/init.rs` keeps that list equal to what `hld check` reports).
//!
//! This module does no IO; `cli::init` writes the files.

/// One starter design.
#[derive(Clone, Copy, Debug)]
pub struct Template {
    /// What `--template` takes, and the file name without `.hld`.
    pub name: &'static str,
    /// The interview question it answers, for `--list`.
    pub title: &'static str,
    /// One line on what the design does.
    pub description: &'static str,
    /// The design itself.
    pub text: &'static str,
}

/// What `hld init` writes without `--template`: the question most people
/// meet first, and the smallest of the set.
pub const DEFAULT: &str = "url-shortener";

/// Every template, in the order `--list` shows them.
pub const TEMPLATES: &[Template] = &[
    Template {
        name: "url-shortener",
        title: "URL shortener (bit.ly)",
        description: "redirects behind a cache, ids from a strong primary, click counts through Kafka",
        text: include_str!("../templates/init/url-shortener.hld"),
    },
    Template {
        name: "twitter-timeline",
        title: "Twitter home timeline",
        description: "fan-out on write into precomputed timelines, tweets sharded by author",
        text: include_str!("../templates/init/twitter-timeline.hld"),
    },
    Template {
        name: "rate-limiter",
        title: "Rate limiter for a public API",
        description: "per-user limits at the gateway, counters shared in Redis",
        text: include_str!("../templates/init/rate-limiter.hld"),
    },
    Template {
        name: "chat",
        title: "Chat and messaging (WhatsApp)",
        description: "WebSocket servers, history in Cassandra, delivery and push through a pub_sub topic",
        text: include_str!("../templates/init/chat.hld"),
    },
    Template {
        name: "news-feed",
        title: "News feed (Facebook)",
        description: "a pull-model feed over a sharded post index, with like and privacy caches",
        text: include_str!("../templates/init/news-feed.hld"),
    },
    Template {
        name: "video-streaming",
        title: "Video streaming (YouTube)",
        description: "uploads transcoded through SQS, segments from S3 behind a CDN, two regions",
        text: include_str!("../templates/init/video-streaming.hld"),
    },
    Template {
        name: "ride-sharing",
        title: "Ride sharing (Uber)",
        description: "geo-sharded live locations, dispatch, maps and payment APIs, two regions",
        text: include_str!("../templates/init/ride-sharing.hld"),
    },
    Template {
        name: "web-crawler",
        title: "Web crawler and search",
        description: "a URL frontier on Kafka, fetchers and parsers, a document-partitioned index",
        text: include_str!("../templates/init/web-crawler.hld"),
    },
    Template {
        name: "payment-system",
        title: "Payment system (Stripe)",
        description: "idempotent payments, a strong ledger, a card vault, webhooks through SQS",
        text: include_str!("../templates/init/payment-system.hld"),
    },
    Template {
        name: "ticketing",
        title: "Ticket booking (Ticketmaster)",
        description: "an on-sale's hot event on a sharded inventory, seat holds that must be exact",
        text: include_str!("../templates/init/ticketing.hld"),
    },
];

/// The template called `name`.
pub fn template(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|template| template.name == name)
}

/// Every template's name, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|template| template.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_well_formed() {
        assert!(template(DEFAULT).is_some(), "the default is a template");
        let mut seen = std::collections::BTreeSet::new();
        for template in TEMPLATES {
            assert!(seen.insert(template.name), "{} is listed twice", template.name);
            let kebab = template
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(
                kebab,
                "{}: names are kebab-case (they become file names)",
                template.name
            );
            assert!(
                template.text.contains("// Exercises"),
                "{} has no Exercises section",
                template.name
            );
            assert!(
                !template.description.ends_with('.'),
                "{}: descriptions end without a period",
                template.name
            );
        }
    }
}
