//! Demo data: the shared catalogue (suppliers and products) and enterprise files, loaded once.
//! Every supplier is vetted and every product listed; each organisation gets a log-in.
//! Idempotent: organisations whose credit code is already stored are skipped.

use domain::entities::{enterprise, product, supplier};
use domain::services::enterprises::{self, NewEnterprise};
use domain::services::needs::{self, NewNeed};
use domain::services::products::{self, NewProduct};
use domain::services::suppliers::{self, NewSupplier};
use domain::services::{Actor, accounts, passwords};
use domain::values::{Email, EnterpriseIndustry, ListingStatus, Role, SupplierStatus};
use domain::{DomainError, DomainResult};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::Deserialize;
use std::collections::HashMap;

const CATALOGUE: &str = include_str!("../demo/catalogue.json");
const ENTERPRISES: &str = include_str!("../demo/enterprises.json");
const NEEDS: &str = include_str!("../demo/needs.json");

/// Every demo account's password. Demo only: never use `--demo` for a real deployment.
pub const DEMO_PASSWORD: &str = "demo-pass-2026";
pub const DEMO_ORGANISER: &str = "organiser@demo.local";
pub const DEMO_REVIEWER: &str = "reviewer@demo.local";

#[derive(Deserialize)]
struct Catalogue {
    suppliers: Vec<DemoSupplier>,
    products: Vec<DemoProduct>,
}

#[derive(Deserialize)]
struct DemoSupplier {
    key: String,
    #[serde(flatten)]
    supplier: NewSupplier,
}

#[derive(Deserialize)]
struct DemoProduct {
    #[serde(rename = "key")]
    _key: String,
    supplier: String,
    #[serde(flatten)]
    product: NewProduct,
}

#[derive(Deserialize)]
struct DemoEnterprise {
    key: String,
    #[serde(flatten)]
    enterprise: NewEnterprise,
}

/// A need posted by a demo enterprise (its key in enterprises.json).
#[derive(Deserialize)]
struct DemoNeed {
    enterprise: String,
    #[serde(flatten)]
    need: NewNeed,
}

/// What `load` did, for the start-up banner.
#[derive(Debug, Default)]
pub struct DemoSummary {
    pub suppliers: usize,
    pub products: usize,
    pub enterprises: usize,
    pub needs: usize,
    pub logins: Vec<(Role, String)>,
}

/// # Errors
/// When the bundled data does not parse or the database fails.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<DemoSummary> {
    let catalogue: Catalogue = serde_json::from_str(CATALOGUE)?;
    let firms: Vec<DemoEnterprise> = serde_json::from_str(ENTERPRISES)?;
    let posted: Vec<DemoNeed> = serde_json::from_str(NEEDS)?;
    // One hash for all demo accounts keeps the first start quick; they share the password anyway.
    let hash = tokio::task::spawn_blocking(|| passwords::hash_password(DEMO_PASSWORD)).await??;
    let summary = db
        .transaction::<_, _, DomainError>(|txn| {
            Box::pin(async move {
                let mut s = DemoSummary::default();
                for (email, name, role) in [
                    (DEMO_ORGANISER, "演示·工信局", Role::Organiser),
                    (DEMO_REVIEWER, "演示·评审专家", Role::Reviewer),
                ] {
                    let email = Email::parse(email).map_err(DomainError::Internal)?;
                    if accounts::find_by_email(txn, &email).await?.is_none() {
                        accounts::insert_user(txn, &email, hash.clone(), name.into(), role, None)
                            .await?;
                    }
                    s.logins.push((role, email.as_str().to_owned()));
                }

                let mut supplier_ids: HashMap<String, Option<String>> = HashMap::new();
                let mut demo_needs: Vec<(Actor, NewNeed)> = Vec::new();
                for d in catalogue.suppliers {
                    let exists = supplier::Entity::find()
                        .filter(
                            supplier::Column::CreditCode.eq(d.supplier.credit_code.to_uppercase()),
                        )
                        .one(txn)
                        .await?;
                    if let Some(existing) = exists {
                        supplier_ids.insert(d.key, None);
                        if s.logins.iter().all(|(r, _)| *r != Role::Supplier) {
                            s.logins.push((Role::Supplier, existing.contact_email));
                        }
                        continue;
                    }
                    let login = d.supplier.contact_email.clone();
                    let mut m = d.supplier.into_active_model("")?;
                    m.status = Set(SupplierStatus::Vetted);
                    let created = suppliers::insert(txn, m).await?;
                    add_login(
                        txn,
                        &login,
                        &hash,
                        &created.name,
                        Role::Supplier,
                        &created.id,
                        &mut s,
                    )
                    .await?;
                    supplier_ids.insert(d.key, Some(created.id));
                    s.suppliers += 1;
                }

                for d in catalogue.products {
                    let Some(Some(supplier_id)) = supplier_ids.get(&d.supplier) else {
                        continue;
                    };
                    let actor = Actor {
                        user_id: "demo".into(),
                        role: Role::Supplier,
                        organisation_id: Some(supplier_id.clone()),
                    };
                    let (p, _) = products::create(txn, &actor, d.product).await?;
                    let mut m: product::ActiveModel = p.into();
                    m.status = Set(ListingStatus::Listed);
                    m.review_comment = Set(Some("演示数据".into()));
                    m.update(txn).await?;
                    s.products += 1;
                }

                for d in firms {
                    let code = d.enterprise.credit_code.to_uppercase();
                    let exists = enterprise::Entity::find()
                        .filter(enterprise::Column::CreditCode.eq(code))
                        .one(txn)
                        .await?;
                    if let Some(existing) = exists {
                        if s.logins.iter().all(|(r, _)| *r != Role::Enterprise) {
                            s.logins.push((Role::Enterprise, existing.contact_email));
                        }
                        continue;
                    }
                    let login = d.enterprise.contact_email.clone();
                    let industry = d.enterprise.industry;
                    let created =
                        enterprises::insert(txn, d.enterprise.into_active_model("")?).await?;

                    let name = format!("{}（{}）", created.contact_name, industry_label(industry));
                    add_login(
                        txn,
                        &login,
                        &hash,
                        &name,
                        Role::Enterprise,
                        &created.id,
                        &mut s,
                    )
                    .await?;
                    // Needs come with a newly created enterprise only, so loading twice adds
                    // none. Its demo login posts them.
                    let member = Email::parse(&login).map_err(DomainError::Internal)?;
                    if let Some(u) = accounts::find_by_email(txn, &member).await? {
                        for n in posted.iter().filter(|n| n.enterprise == d.key) {
                            let actor = Actor {
                                user_id: u.id.clone(),
                                role: Role::Enterprise,
                                organisation_id: Some(created.id.clone()),
                            };
                            demo_needs.push((actor, n.need.clone()));
                        }
                    }
                    s.enterprises += 1;
                }
                for (actor, need) in demo_needs {
                    needs::create(txn, &actor, need).await?;
                    s.needs += 1;
                }
                Ok(s)
            })
        })
        .await
        .map_err(DomainError::from)?;
    print_banner(&summary);
    Ok(summary)
}

fn industry_label(i: EnterpriseIndustry) -> &'static str {
    i.label_zh()
}

async fn add_login<C: sea_orm::ConnectionTrait>(
    db: &C,
    email: &str,
    hash: &str,
    display_name: &str,
    role: Role,
    org_id: &str,
    s: &mut DemoSummary,
) -> DomainResult<()> {
    let email = Email::parse(email).map_err(DomainError::Internal)?;
    if accounts::find_by_email(db, &email).await?.is_none() {
        let name: String = display_name.chars().take(60).collect();
        accounts::insert_user(
            db,
            &email,
            hash.to_owned(),
            name,
            role,
            Some(org_id.to_owned()),
        )
        .await?;
    }
    if s.logins.iter().all(|(r, _)| *r != role) {
        s.logins.push((role, email.as_str().to_owned()));
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_banner(s: &DemoSummary) {
    println!(
        "演示数据 demo data: {} new suppliers, {} new products, {} new enterprises, {} new needs",
        s.suppliers, s.products, s.enterprises, s.needs
    );
    println!("演示账号 demo log-ins (password 密码: {DEMO_PASSWORD}):");
    for (role, email) in &s.logins {
        println!("  {:<10} {:<8} {email}", role.code(), role.label_zh());
    }
}
