//! The closed vocabularies of the glossary. Each is stored as its snake_case code name.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-coded enum usable in entities, JSON and OpenAPI at once.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal;)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum,
            Serialize, Deserialize, utoipa::ToSchema,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(
                #[sea_orm(string_value = $code)]
                $variant,
            )+
        }

        impl $name {
            /// The code name used in the API and the database.
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            /// The Chinese label shown to people.
            #[must_use]
            pub const fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh,)+ }
            }

            /// Parses a code name, e.g. from a query string.
            #[must_use]
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)+ _ => None }
            }

            /// Every code name, for error messages.
            #[must_use]
            pub const fn codes() -> &'static [&'static str] {
                &[$($code,)+]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum! {
    /// 细分行业 of products, suppliers and bundles: the five pilot segments or cross-industry.
    Industry {
        SmartAppliances = "smart_appliances", "智能家电";
        Pcb = "pcb", "印刷电路板";
        Printing = "printing", "打印设备及耗材";
        Biomedicine = "biomedicine", "生物医药与健康";
        SmartGrid = "smart_grid", "智能电网";
        General = "general", "通用";
    }
}

code_enum! {
    /// 细分行业 of an enterprise: the five pilot segments or another manufacturing trade.
    EnterpriseIndustry {
        SmartAppliances = "smart_appliances", "智能家电";
        Pcb = "pcb", "印刷电路板";
        Printing = "printing", "打印设备及耗材";
        Biomedicine = "biomedicine", "生物医药与健康";
        SmartGrid = "smart_grid", "智能电网";
        Other = "other", "其他";
    }
}

impl EnterpriseIndustry {
    /// The product industry that serves this enterprise's segment (`None` for `other`).
    #[must_use]
    pub const fn segment(self) -> Option<Industry> {
        match self {
            Self::SmartAppliances => Some(Industry::SmartAppliances),
            Self::Pcb => Some(Industry::Pcb),
            Self::Printing => Some(Industry::Printing),
            Self::Biomedicine => Some(Industry::Biomedicine),
            Self::SmartGrid => Some(Industry::SmartGrid),
            Self::Other => None,
        }
    }
}

code_enum! {
    /// 业务环节.
    Stage {
        Design = "design", "研发设计";
        Manufacturing = "manufacturing", "生产管控";
        Supply = "supply", "采购供应";
        Sales = "sales", "营销管理";
        Service = "service", "产品服务";
        Management = "management", "经营管理";
        Security = "security", "网络与数据安全";
    }
}

code_enum! {
    /// How a product is delivered.
    Delivery {
        Saas = "saas", "云服务";
        OnPremise = "on_premise", "本地部署";
        Hardware = "hardware", "软硬件一体";
        Service = "service", "服务";
    }
}

code_enum! {
    /// What a price is for.
    PriceUnit {
        OneTime = "one_time", "一次性";
        PerYear = "per_year", "每年";
        PerMonth = "per_month", "每月";
        PerUserYear = "per_user_year", "每用户每年";
    }
}

code_enum! {
    /// Kind of digital-service supplier in a "1+1+N" consortium.
    SupplierKind {
        Lead = "lead", "数字化牵引单位";
        Integrator = "integrator", "集成服务商";
        Vendor = "vendor", "软硬件企业";
    }
}

code_enum! {
    /// Where a supplier stands with the organisers.
    SupplierStatus {
        Pending = "pending", "待审核";
        Vetted = "vetted", "已认证";
        Suspended = "suspended", "已暂停";
        Removed = "removed", "已移除";
    }
}

code_enum! {
    /// 专精特新 standing of an enterprise.
    Specialised {
        None = "none", "无";
        Innovative = "innovative", "创新型中小企业";
        Specialised = "specialised", "专精特新中小企业";
        LittleGiant = "little_giant", "专精特新“小巨人”";
    }
}

code_enum! {
    /// Where a product or bundle stands in its listing life.
    ListingStatus {
        Draft = "draft", "草稿";
        Submitted = "submitted", "待审核";
        Listed = "listed", "已上架";
        Rejected = "rejected", "已驳回";
        Delisted = "delisted", "已下架";
    }
}

code_enum! {
    /// What a user may do.
    Role {
        Enterprise = "enterprise", "企业用户";
        Supplier = "supplier", "服务商";
        Organiser = "organiser", "主管部门";
        Reviewer = "reviewer", "评审专家";
    }
}

code_enum! {
    /// Where a job stands in the outbox.
    JobStatus {
        Pending = "pending", "待执行";
        Running = "running", "执行中";
        Done = "done", "已完成";
        Dead = "dead", "已失败";
    }
}

code_enum! {
    /// 宣讲对接活动 status.
    EventStatus {
        Draft = "draft", "草稿";
        Published = "published", "已发布";
        Cancelled = "cancelled", "已取消";
        Completed = "completed", "已结束";
    }
}

code_enum! {
    /// A seat, a place in the queue, or neither any more.
    RegistrationStatus {
        Registered = "registered", "已报名";
        Waitlisted = "waitlisted", "候补";
        Cancelled = "cancelled", "已取消";
    }
}

code_enum! {
    /// Where an enterprise's need (需求) stands: open needs are matched and shown to suppliers.
    NeedStatus {
        Open = "open", "征集中";
        Closed = "closed", "已关闭";
    }
}

code_enum! {
    /// Enterprise size class (大中小微) under the manufacturing rule of 工信部联企业〔2011〕300号.
    /// Shown instead of the enterprise to suppliers reading anonymised leads.
    SizeBand {
        Large = "large", "大型企业";
        Medium = "medium", "中型企业";
        Small = "small", "小型企业";
        Micro = "micro", "微型企业";
    }
}

impl SizeBand {
    /// Manufacturing: large from 1,000 employees or 400,000 万元 revenue (the platform admits
    /// none), medium from 300 employees and 2,000 万元, small from 20 employees and 300 万元,
    /// micro below either.
    #[must_use]
    pub const fn of(employees: i64, annual_revenue_wan: i64) -> Self {
        if employees >= 1000 || annual_revenue_wan >= 400_000 {
            Self::Large
        } else if employees >= 300 && annual_revenue_wan >= 2_000 {
            Self::Medium
        } else if employees >= 20 && annual_revenue_wan >= 300 {
            Self::Small
        } else {
            Self::Micro
        }
    }
}
