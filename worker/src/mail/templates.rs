//! Mail templates: `templates/<name>.subject.j2`, `.txt.j2` and `.html.j2`, compiled into the
//! binary so a deployment cannot lose them.

use minijinja::Environment;
use serde::Serialize;

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[
            $(
                (concat!($name, ".subject.j2"), include_str!(concat!("../../templates/", $name, ".subject.j2"))),
                (concat!($name, ".txt.j2"), include_str!(concat!("../../templates/", $name, ".txt.j2"))),
                (concat!($name, ".html.j2"), include_str!(concat!("../../templates/", $name, ".html.j2"))),
            )+
        ]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "event_announcement",
    "registration_confirmed",
    "waitlisted",
    "promoted",
    "event_changed",
    "event_cancelled",
    "event_reminder",
);

const ORDER_TEMPLATES: &[(&str, &str)] = templates!(
    "order_placed",
    "order_cancelled",
    "order_accepted",
    "order_rejected",
    "order_contracted",
    "order_completed",
);

const MATCH_TEMPLATES: &[(&str, &str)] = templates!("new_match");

pub struct Templates {
    env: Environment<'static>,
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Templates {
    /// # Errors
    /// When a template does not parse (caught by the unit test below).
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.add_template(
            "layout.html.j2",
            include_str!("../../templates/layout.html.j2"),
        )?;
        env.add_template("facts.txt.j2", include_str!("../../templates/facts.txt.j2"))?;
        env.add_template(
            "order_layout.html.j2",
            include_str!("../../templates/order_layout.html.j2"),
        )?;
        env.add_template(
            "order_facts.txt.j2",
            include_str!("../../templates/order_facts.txt.j2"),
        )?;
        for (name, source) in TEMPLATES
            .iter()
            .chain(ORDER_TEMPLATES)
            .chain(MATCH_TEMPLATES)
        {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    /// # Errors
    /// When the template is missing or fails to render.
    pub fn render(&self, name: &str, ctx: &impl Serialize) -> Result<Rendered, minijinja::Error> {
        let part = |suffix: &str| -> Result<String, minijinja::Error> {
            self.env
                .get_template(&format!("{name}.{suffix}.j2"))?
                .render(ctx)
        };
        Ok(Rendered {
            subject: part("subject")?.trim().to_owned(),
            text: part("txt")?,
            html: part("html")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_match_renders_its_facts() {
        let t = Templates::new().unwrap();
        let ctx = serde_json::json!({
            "name": "陈经理",
            "need": {"title": "总装线扫码报工"},
            "product": {"name": "轻量MES", "summary": "扫码报工", "supplier": "某服务商",
                        "pilot_price": "8.6 万元", "deploy_days": 20, "link": "http://x/#/products/1"},
            "link": "http://x/#/needs/1"
        });
        let r = t.render("new_match", &ctx).unwrap();
        assert!(r.subject.contains("轻量MES") && r.subject.contains("总装线扫码报工"));
        assert!(r.text.contains("8.6 万元") && r.text.contains("http://x/#/needs/1"));
        assert!(r.html.contains("<html") && r.html.contains("某服务商"));
    }

    #[test]
    fn every_template_renders() {
        let t = Templates::new().unwrap();
        let ctx = serde_json::json!({
            "name": "陈经理",
            "event": {"title": "PCB 行业对接会", "starts": "2026年12月3日 14:00", "ends": "16:00",
                      "venue": "珠海国际会展中心", "online_url": "https://meet.example/1", "description": "介绍", "industries": "印刷电路板"},
            "link": "http://127.0.0.1:8080/#/events/1", "position": 3
        });
        for (name, _) in TEMPLATES.iter().step_by(3) {
            let base = name.trim_end_matches(".subject.j2");
            let r = t.render(base, &ctx).unwrap();
            assert!(
                r.subject.contains("PCB 行业对接会"),
                "{base}: {}",
                r.subject
            );
            assert!(r.text.contains("珠海国际会展中心"), "{base}");
            assert!(
                r.html.contains("<html") && r.html.contains("珠海国际会展中心"),
                "{base}"
            );
        }
    }
}
