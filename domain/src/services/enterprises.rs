//! 一企一档: enterprise files.

use super::{Actor, Page, PageRequest};
use crate::entities::enterprise;
use crate::error::{Checker, DomainError, DomainResult};
use crate::new_id;
use crate::values::{CreditCode, Email, EnterpriseIndustry, Specialised};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

/// SME size rule for manufacturing (工信部联企业〔2011〕300号, as applied from 2017):
/// fewer than 1000 employees and annual revenue under 40 亿元 (400,000 万元).
pub const SME_MAX_EMPLOYEES: i64 = 999;
pub const SME_MAX_REVENUE_WAN: i64 = 399_999;

/// An enterprise's file as given at registration.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnterprise {
    pub name: String,
    pub credit_code: String,
    pub industry: EnterpriseIndustry,
    pub district: String,
    pub employees: i64,
    pub annual_revenue_wan: i64,
    #[serde(default)]
    pub specialised: Option<Specialised>,
    /// Self-assessed digital level at joining (1–4); organisers may correct it later.
    #[serde(default)]
    pub digital_level_baseline: Option<i64>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
}

/// A partial update. `digital_level` and `digital_level_baseline` are for organisers only.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterprisePatch {
    pub name: Option<String>,
    pub industry: Option<EnterpriseIndustry>,
    pub district: Option<String>,
    pub employees: Option<i64>,
    pub annual_revenue_wan: Option<i64>,
    pub specialised: Option<Specialised>,
    pub digital_level: Option<i64>,
    pub digital_level_baseline: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// The contract's view of an enterprise.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnterpriseView {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub industry: EnterpriseIndustry,
    pub district: String,
    pub employees: i32,
    pub annual_revenue_wan: i64,
    pub specialised: Specialised,
    pub digital_level: i32,
    pub digital_level_baseline: i32,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<enterprise::Model> for EnterpriseView {
    fn from(m: enterprise::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            credit_code: m.credit_code,
            industry: m.industry,
            district: m.district,
            employees: m.employees,
            annual_revenue_wan: m.annual_revenue_wan,
            specialised: m.specialised,
            digital_level: m.digital_level,
            digital_level_baseline: m.digital_level_baseline,
            contact_name: m.contact_name,
            contact_phone: m.contact_phone,
            contact_email: m.contact_email,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

fn check_size(c: &mut Checker, prefix: &str, employees: i64, revenue: i64) -> (i32, i64) {
    let e = format!("{prefix}employees");
    let r = format!("{prefix}annual_revenue_wan");
    if employees < 1 {
        c.fail(&e, "从业人员应至少 1 人");
    } else if employees > SME_MAX_EMPLOYEES {
        c.fail(&e, "从业人员 1000 人及以上不属于中小企业（工业）");
    }
    if revenue < 0 {
        c.fail(&r, "营业收入不能为负数");
    } else if revenue > SME_MAX_REVENUE_WAN {
        c.fail(
            &r,
            "营业收入 40 亿元（400000 万元）及以上不属于中小企业（工业）",
        );
    }
    (
        i32::try_from(employees.clamp(0, SME_MAX_EMPLOYEES)).unwrap_or(0),
        revenue,
    )
}

fn check_phone(c: &mut Checker, field: &str, phone: &str) -> String {
    let p = c.text(field, phone, 1, 20);
    let ok = p.chars().filter(char::is_ascii_digit).count() >= 7
        && p.chars()
            .all(|ch| ch.is_ascii_digit() || matches!(ch, '+' | '-' | ' ' | '(' | ')'));
    if !p.is_empty() && !ok {
        c.fail(field, "电话号码格式不正确");
    }
    p
}

fn check_level(c: &mut Checker, field: &str, level: i64) -> i32 {
    c.range(field, level, 1, 4);
    i32::try_from(level.clamp(1, 4)).unwrap_or(1)
}

impl NewEnterprise {
    /// Validates every field; `prefix` is put before field names (`organisation.`).
    ///
    /// # Errors
    /// 422 with every problem found.
    pub fn into_active_model(self, prefix: &str) -> DomainResult<enterprise::ActiveModel> {
        let f = |name: &str| format!("{prefix}{name}");
        let mut c = Checker::new();
        let name = c.text(&f("name"), &self.name, 2, 100);
        let credit_code = c.parse(&f("credit_code"), CreditCode::parse(&self.credit_code));
        let district = c.text(&f("district"), &self.district, 1, 50);
        let (employees, revenue) =
            check_size(&mut c, prefix, self.employees, self.annual_revenue_wan);
        let baseline = check_level(
            &mut c,
            &f("digital_level_baseline"),
            self.digital_level_baseline.unwrap_or(1),
        );
        let contact_name = c.text(&f("contact_name"), &self.contact_name, 1, 50);
        let contact_phone = check_phone(&mut c, &f("contact_phone"), &self.contact_phone);
        let contact_email = c.parse(&f("contact_email"), Email::parse(&self.contact_email));
        c.finish()?;
        let (Some(credit_code), Some(contact_email)) = (credit_code, contact_email) else {
            return Err(DomainError::Internal(
                "checker passed without values".into(),
            ));
        };
        let now = Utc::now();
        Ok(enterprise::ActiveModel {
            id: Set(new_id()),
            name: Set(name),
            credit_code: Set(credit_code.to_string()),
            industry: Set(self.industry),
            district: Set(district),
            employees: Set(employees),
            annual_revenue_wan: Set(revenue),
            specialised: Set(self.specialised.unwrap_or(Specialised::None)),
            digital_level: Set(baseline),
            digital_level_baseline: Set(baseline),
            contact_name: Set(contact_name),
            contact_phone: Set(contact_phone),
            contact_email: Set(contact_email.into()),
            created_at: Set(now),
            updated_at: Set(now),
        })
    }
}

/// Inserts an enterprise whose credit code is new.
///
/// # Errors
/// 409 `credit_code_taken`, or database errors.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    model: enterprise::ActiveModel,
) -> DomainResult<enterprise::Model> {
    model.insert(db).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            DomainError::conflict("credit_code_taken", "该统一社会信用代码已登记")
        }
        _ => DomainError::Database(e),
    })
}

/// Reads an enterprise the actor may see: its own members and organisers; 404 for others.
///
/// # Errors
/// 404 when missing or not visible.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
) -> DomainResult<enterprise::Model> {
    if !(actor.is_organiser() || actor.is_enterprise_member(id)) {
        return Err(DomainError::NotFound("enterprise"));
    }
    enterprise::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("enterprise"))
}

/// # Errors
/// 404 as `get`; 403 when a member sets a digital level; 422 on bad values.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: &str,
    patch: EnterprisePatch,
) -> DomainResult<enterprise::Model> {
    let current = get(db, actor, id).await?;
    let mut c = Checker::new();
    if !actor.is_organiser() {
        for (field, set) in [
            ("digital_level", patch.digital_level.is_some()),
            (
                "digital_level_baseline",
                patch.digital_level_baseline.is_some(),
            ),
        ] {
            if set {
                c.fail(field, "数字化水平只能由主管部门评定");
            }
        }
        if let Err(DomainError::Validation(errors)) = c.finish() {
            return Err(DomainError::Validation(errors));
        }
        c = Checker::new();
    }
    let mut m: enterprise::ActiveModel = current.clone().into();
    if let Some(v) = &patch.name {
        m.name = Set(c.text("name", v, 2, 100));
    }
    if let Some(v) = patch.industry {
        m.industry = Set(v);
    }
    if let Some(v) = &patch.district {
        m.district = Set(c.text("district", v, 1, 50));
    }
    if patch.employees.is_some() || patch.annual_revenue_wan.is_some() {
        let (e, r) = check_size(
            &mut c,
            "",
            patch.employees.unwrap_or(i64::from(current.employees)),
            patch
                .annual_revenue_wan
                .unwrap_or(current.annual_revenue_wan),
        );
        m.employees = Set(e);
        m.annual_revenue_wan = Set(r);
    }
    if let Some(v) = patch.specialised {
        m.specialised = Set(v);
    }
    if let Some(v) = patch.digital_level {
        m.digital_level = Set(check_level(&mut c, "digital_level", v));
    }
    if let Some(v) = patch.digital_level_baseline {
        m.digital_level_baseline = Set(check_level(&mut c, "digital_level_baseline", v));
    }
    if let Some(v) = &patch.contact_name {
        m.contact_name = Set(c.text("contact_name", v, 1, 50));
    }
    if let Some(v) = &patch.contact_phone {
        m.contact_phone = Set(check_phone(&mut c, "contact_phone", v));
    }
    if let Some(v) = &patch.contact_email
        && let Some(e) = c.parse("contact_email", Email::parse(v))
    {
        m.contact_email = Set(e.into());
    }
    c.finish()?;
    m.updated_at = Set(Utc::now());
    Ok(m.update(db).await?)
}

/// Filters of the organisers' list.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    pub industry: Option<EnterpriseIndustry>,
    pub district: Option<String>,
    pub digital_level: Option<i32>,
}

/// # Errors
/// 403 for anyone but organisers.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: EnterpriseFilter,
    page: PageRequest,
) -> DomainResult<Page<enterprise::Model>> {
    if !actor.is_organiser() {
        return Err(DomainError::Forbidden);
    }
    let mut q = enterprise::Entity::find();
    if let Some(i) = filter.industry {
        q = q.filter(enterprise::Column::Industry.eq(i));
    }
    if let Some(d) = filter.district {
        q = q.filter(enterprise::Column::District.eq(d));
    }
    if let Some(l) = filter.digital_level {
        q = q.filter(enterprise::Column::DigitalLevel.eq(l));
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(enterprise::Column::CreatedAt)
        .order_by_asc(enterprise::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page::new(items, total, page))
}
