//! Synonyms of the trade, applied at query time: a query term found in a group also searches
//! for the other members of its group. Kept at query time (not index time) so that editing the
//! table needs no reindex, and so that the Meilisearch engine can receive the same groups as
//! its `synonyms` setting.
//!
//! Each group is symmetric: every member stands for the others. Put the acronym first, then
//! the Chinese names people actually write. Members are matched after normalisation (ASCII
//! lowercased), so `MES` and `mes` are the same member.

/// The synonym groups.
pub const SYNONYM_GROUPS: &[&[&str]] = &[
    &["MES", "制造执行系统", "生产执行系统"],
    &["ERP", "企业资源计划", "企业资源规划"],
    &["WMS", "仓储管理", "仓库管理"],
    &["SCADA", "数据采集", "数据采集与监视控制"],
    &["QMS", "质量管理"],
    &["AOI", "自动光学检测", "光学检测"],
    &["CRM", "客户关系管理", "客户管理"],
    &["PLM", "产品生命周期管理"],
    &["PDM", "产品数据管理"],
    &["APS", "高级排程", "高级计划排程", "智能排产"],
    &["SRM", "供应商管理", "供应商关系管理"],
    &["EHS", "安全环保", "环境健康安全"],
    &["OA", "协同办公", "办公自动化"],
    &["BI", "数据分析", "商业智能"],
    &["IoT", "物联网"],
    &["报工", "工单报工", "生产报工"],
    &["能耗", "能源管理", "能耗管理"],
    &["TMS", "运输管理"],
    &["LIMS", "实验室信息管理", "实验室管理"],
    &["EAM", "设备资产管理"],
    &["SPC", "统计过程控制"],
    &["OEE", "设备综合效率"],
    &["CAD", "计算机辅助设计"],
    &["CAE", "仿真分析"],
    &["HR", "人力资源", "人事管理"],
    &["DMS", "经销商管理"],
    &["SOP", "作业指导书"],
    &["AI", "人工智能"],
    &["RFID", "射频识别"],
    &["PDA", "手持终端"],
    &["安灯", "Andon"],
    &["SaaS", "云服务"],
    &["GMP", "药品生产质量管理规范"],
    &["GSP", "药品经营质量管理规范"],
    &["UDI", "医疗器械唯一标识"],
    &["进销存", "库存管理"],
    &["排产", "排程", "生产计划"],
    &["追溯", "溯源"],
    &["稼动率", "开机率", "设备利用率"],
    &["看板", "大屏"],
    &["巡检", "点检"],
    &["等保", "等级保护"],
];

/// The other members of every group `word` belongs to (compared as the index holds terms:
/// ASCII case ignored).
#[must_use]
pub fn synonyms_of(word: &str) -> Vec<&'static str> {
    let word = word.trim();
    let mut out: Vec<&'static str> = Vec::new();
    for group in SYNONYM_GROUPS {
        if group.iter().any(|m| m.eq_ignore_ascii_case(word)) {
            for m in *group {
                if !m.eq_ignore_ascii_case(word) && !out.contains(m) {
                    out.push(m);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::SYNONYM_GROUPS;

    #[test]
    fn groups_have_two_members_at_least_and_no_blank() {
        for g in SYNONYM_GROUPS {
            assert!(g.len() >= 2, "{g:?}");
            assert!(g.iter().all(|m| !m.trim().is_empty()), "{g:?}");
        }
    }

    #[test]
    fn lookup_ignores_ascii_case_and_is_symmetric() {
        assert!(super::synonyms_of("mes").contains(&"制造执行系统"));
        assert!(super::synonyms_of("制造执行系统").contains(&"MES"));
        assert!(super::synonyms_of("无关词").is_empty());
    }
}
