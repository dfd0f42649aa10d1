/* forms.c - the default items of score sheets 6.1 (pre-contract), 6.2 (construction), 6.3 (after)
 */
#include "forms.h"

#include <stdio.h>
#include <string.h>

static const struct form_item pre_items[] = {
	{"communication", "投标及合同洽谈中的沟通与响应",
	 "Communication and response during tender and contract talks", 15},
	{"understanding", "对工程项目的了解与技术方案",
	 "Understanding of the project and technical proposal", 15},
	{"site_preparation", "“七通一平”等开工准备的支持",
	 "Support for site preparation (\"seven connections and one levelling\")", 10},
	{"quotation", "报价与合同条款清晰合理", "Clear and fair quotation and contract terms", 15},
	{"qualification", "资质、业绩及拟派人员介绍",
	 "Qualifications, references and proposed staff", 10},
	{"organisation_plan", "施工组织设计及进度计划",
	 "Construction organisation design and schedule", 10},
	{"requirements", "对顾客要求的识别与确认",
	 "Identifying and confirming the customer's requirements", 15},
	{"documents", "资料提供及时、准确", "Documents provided on time and accurately", 10},
};

static const struct form_item process_items[] = {
	{"works_quality", "工程实体质量（结构、装饰、材料）",
	 "Quality of the works (structure, finish, materials)", 15},
	{"quality_control", "质量过程控制与缺陷处理", "Process quality control and defect handling",
	 10},
	{"schedule", "进度计划执行与计划报送", "Schedule kept and plans delivered", 10},
	{"workmanship", "施工组织与工艺水平", "Construction organisation and workmanship", 10},
	{"site_management", "现场管理与文明施工", "Site management and civilised construction", 10},
	{"safety_environment", "安全生产与环境保护", "Safety and environmental protection", 10},
	{"contract", "合同履约", "Contract performance", 10},
	{"resources", "人员、机械及检测资源配备", "Staff, plant and testing resources", 5},
	{"correspondence", "往来文件、沟通与记录", "Correspondence, communication and records", 10},
	{"complaints", "投诉与特殊要求的处理", "Handling of complaints and special requests", 10},
};

static const struct form_item post_items[] = {
	{"handover", "竣工交付与工程资料移交", "Handover and delivery of project records", 10},
	{"manual_card", "使用说明书及保修卡", "Product manual and warranty card", 10},
	{"warranty_response", "保修响应及时（24小时）", "Warranty response in time (24 hours)", 20},
	{"repair_quality", "维修质量", "Repair quality", 20},
	{"return_visits", "回访服务", "Return visits", 10},
	{"common_defects", "质量通病的整改", "Correction of common quality defects", 10},
	{"staff_attitude", "服务人员态度与沟通", "Service staff attitude and communication", 10},
	{"protection_small_works", "成品保护与小型新增工程",
	 "Protection of finished works and small new works", 10},
};

static const struct form_template templates[PHASE__COUNT] = {
	[PHASE_PRE] = {PHASE_PRE, "6.1", "前期服务顾客满意度评价表",
		       "Pre-contract service score sheet", pre_items, ARRAY_SIZE(pre_items)},
	[PHASE_PROCESS] = {PHASE_PROCESS, "6.2", "过程服务顾客满意度评价表",
			   "In-construction service score sheet", process_items,
			   ARRAY_SIZE(process_items)},
	[PHASE_POST] = {PHASE_POST, "6.3", "后期服务顾客满意度评价表",
			"Post-completion service score sheet", post_items, ARRAY_SIZE(post_items)},
};

const struct form_template *forms_default(enum phase p)
{
	return (unsigned)p < PHASE__COUNT ? &templates[p] : NULL;
}

int forms_check(const struct form_item *items, size_t n, struct kf_error *err)
{
	if (n < 1 || n > 30)
		return kf_fail(err, KF_EINVAL, "invalid", "items", "a sheet has 1 to 30 items");
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		char field[32];
		snprintf(field, sizeof(field), "items[%zu]", i);
		if (!items[i].key || !items[i].key[0])
			return kf_fail(err, KF_EINVAL, "invalid", field, "item %zu has no key", i);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(items[k].key, items[i].key))
				return kf_fail(err, KF_EINVAL, "invalid", field,
					       "the key '%s' is used twice", items[i].key);
		if (items[i].points <= 0 || items[i].points > 100)
			return kf_fail(err, KF_EINVAL, "invalid", field,
				       "item '%s' needs 1 to 100 points", items[i].key);
		sum += items[i].points;
	}
	/* P-5.5.2: a sheet is worth 100 points; anything else breaks the procedure. */
	if (sum != 100)
		return kf_fail(err, KF_ERULE, "points_total", "items",
			       "the items' points add up to %d, not 100", sum);
	return 0;
}
