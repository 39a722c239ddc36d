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

/// Related terms: words of one business concept, from the plain words an owner uses
/// (`开停机`, `人眼`, `问价`) to the catalogue's (`稼动率`, `视觉检测`, `报价`). Not synonyms: a
/// need saying one makes the others likely to matter, so matching adds them at a low weight.
/// Grouped by the functions digital-transformation products serve, not by any one catalogue.
pub const RELATED_GROUPS: &[&[&str]] = &[
    // Shop floor
    &[
        "设备联网",
        "数据采集",
        "数采",
        "工业网关",
        "网关",
        "物联网",
        "联网",
        "自动采集",
        "实时监控",
        "设备监控",
    ],
    &[
        "稼动率",
        "开机率",
        "开停机",
        "停机",
        "停机分析",
        "设备效率",
        "OEE",
        "利用率",
    ],
    &[
        "保养",
        "点检",
        "维修",
        "维护",
        "预测性维护",
        "故障",
        "设备管理",
        "设备台账",
    ],
    &[
        "报工",
        "工单",
        "生产进度",
        "订单进度",
        "在制品",
        "流程卡",
        "工序",
        "派工",
    ],
    &["排产", "排程", "生产计划", "插单", "交期", "产能"],
    &[
        "质检",
        "检验",
        "来料检验",
        "抽检",
        "终检",
        "不良",
        "不合格品",
        "良率",
        "品质",
    ],
    &[
        "视觉检测",
        "外观检测",
        "机器视觉",
        "图像识别",
        "AI检测",
        "缺陷检测",
        "缺陷识别",
        "人眼",
        "目检",
        "肉眼",
        "表面检测",
    ],
    &[
        "追溯",
        "溯源",
        "批次追溯",
        "一物一码",
        "赋码",
        "喷码",
        "标识",
        "追溯码",
        "条码",
    ],
    &["防错", "防呆", "漏装", "错装", "装配防错", "上料防错"],
    &["测试数据", "测试报告", "出厂试验", "试验报告", "下线测试"],
    // Supply and sales
    &[
        "仓库",
        "仓储",
        "库存",
        "出入库",
        "盘点",
        "库位",
        "拣货",
        "进销存",
    ],
    &["采购", "供应商", "比价", "对账", "送货", "外协", "委外"],
    &["报价", "计价", "询价", "问价", "定价", "报价单", "成本测算"],
    &["电商", "店铺", "多平台", "审单", "超卖", "库存同步", "网店"],
    &[
        "客户管理",
        "商机",
        "销售线索",
        "获客",
        "跟进",
        "拜访",
        "客户跟进",
    ],
    &["防伪", "验真", "假货", "冒充", "窜货", "防窜货"],
    &["物流", "运输", "配送", "在途", "运费", "车辆调度"],
    // Service
    &[
        "售后",
        "报修",
        "派单",
        "上门",
        "服务网点",
        "回访",
        "安装",
        "维修工单",
    ],
    &[
        "远程运维",
        "远程监控",
        "远程升级",
        "掉线",
        "离线",
        "在线监测",
    ],
    &["客服", "智能客服", "在线客服", "答复", "问答", "知识库"],
    // Management
    &["能耗", "电费", "用电", "能源管理", "节能", "电能", "峰谷"],
    &["碳排放", "碳足迹", "碳核算", "碳盘查"],
    &["安全生产", "隐患", "隐患排查", "危化品", "危废", "环保"],
    &[
        "财务",
        "记账",
        "凭证",
        "报销",
        "发票",
        "成本核算",
        "结算",
        "税务",
    ],
    &["考勤", "排班", "工资", "薪资", "计件", "人事", "招聘"],
    &["培训", "考试", "技能", "在线学习"],
    &[
        "审批",
        "协同办公",
        "流程审批",
        "公文",
        "电子签章",
        "电子合同",
    ],
    &[
        "报表",
        "驾驶舱",
        "数据分析",
        "看板",
        "大屏",
        "经营分析",
        "指标",
    ],
    &[
        "知识库",
        "文档",
        "资料",
        "经验",
        "知识管理",
        "检索",
        "文件管理",
    ],
    // Design and R&D
    &["图纸", "CAD", "三维", "建模", "设计变更", "BOM", "版本管理"],
    &["仿真", "模拟", "有限元", "CAE"],
    &["配方", "实验", "实验记录", "配比", "研发数据"],
    &["打样", "样件", "手板", "试制", "快速成型", "3D打印"],
    // Compliance and security
    &[
        "等保",
        "等级保护",
        "测评",
        "安全合规",
        "整改",
        "安全评估",
        "安全防护",
        "渗透测试",
        "漏洞",
    ],
    &["病毒", "勒索", "防病毒", "终端安全", "中毒"],
    &["备份", "数据备份", "灾备", "容灾", "数据恢复", "数据丢失"],
    &["泄密", "防泄密", "数据防泄漏", "文档加密", "外发", "U盘"],
    &["温度", "温湿度", "冷链", "冷库", "冷藏", "温控"],
    &[
        "批记录",
        "电子批记录",
        "审计追踪",
        "数据完整性",
        "偏差",
        "CAPA",
    ],
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

/// The related terms of `word` (see [`RELATED_GROUPS`]), ASCII case ignored.
#[must_use]
pub fn related_of(word: &str) -> Vec<&'static str> {
    let word = word.trim();
    let mut out: Vec<&'static str> = Vec::new();
    for group in RELATED_GROUPS {
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
