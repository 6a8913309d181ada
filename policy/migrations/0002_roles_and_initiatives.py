"""Data: the four role groups and the 4+1 initiatives of DESIGN.md."""

from django.db import migrations

ROLE_GROUPS = ["official", "owner", "lead", "admin"]

INITIATIVES = [
    dict(
        order=1,
        code="inference-compute",
        colour="#1f5fa8",
        name_zh="国产推理算力大后方",
        name_en="Domestic inference-compute rear base",
        short_zh="推理算力",
        short_en="Inference compute",
        lead_department_zh="省经济和信息化厅",
        lead_department_en="Provincial Department of Economy and Information Technology",
        summary_zh="在国家“东数西算”八大枢纽、十大集群之一的天府数据中心集群内建设推理数据中心，以国产芯片（14 纳米级即可满足推理）承载推理算力。",
        summary_en="Inference data centers inside the national Tianfu data-center cluster (one of the 8 hubs / 10 clusters), running on domestic chips; 14 nm-class chips suffice for inference.",
        progress_zh="推理数据中心建成数量、上线算力（P）、国产芯片算力占比",
    ),
    dict(
        order=2,
        code="huawei-sugon",
        colour="#c0392b",
        name_zh="华为曙光大后方",
        name_en="Huawei/Sugon dual-center rear base",
        short_zh="华为曙光",
        short_en="Huawei/Sugon",
        lead_department_zh="成都市人民政府",
        lead_department_en="Chengdu Municipal Government",
        summary_zh="依托国家超级计算成都中心（2020 年，曙光）与成都智算中心（2022 年，华为）双中心，承接研发部门与供应商落地、芯片迭代、网络提速与扩容；四川华鲲振宇昇腾服务器市场份额全国第二。",
        summary_en="Built on the dual center — National Supercomputing Center Chengdu (2020, Sugon) and Chengdu Intelligent Computing Center (2022, Huawei): relocated departments and suppliers, chip upgrades, faster networks, expansions; Sichuan Huakun Zhenyu ranks 2nd nationally in Ascend servers.",
        progress_zh="部门与供应商落地、芯片代际升级、网络提速、扩容；昇腾服务器份额",
    ),
    dict(
        order=3,
        code="near-memory",
        colour="#7b3fa0",
        name_zh="近存计算大后方",
        name_en="Near-memory computing and HBM rear base",
        short_zh="近存计算",
        short_en="Near-memory",
        lead_department_zh="省科学技术厅",
        lead_department_en="Provincial Department of Science and Technology",
        summary_zh="建设“存储谷”，推动存储芯片研发到量产，提升 HBM（高带宽内存）供应链本地化水平；2023 年 HBM 市场份额为 SK 海力士 53%、三星 38%、美光 9%。",
        summary_en="A storage valley from R&D to production and HBM supply-chain localisation; 2023 HBM shares: SK hynix 53 %, Samsung 38 %, Micron 9 %.",
        progress_zh="存储研发到量产、HBM 供应链本地化",
    ),
    dict(
        order=4,
        code="compute-power",
        colour="#2e7d32",
        name_zh="算电协同大后方",
        name_en="Compute–power coordination on clean hydropower",
        short_zh="算电协同",
        short_en="Compute–power",
        lead_department_zh="省发展和改革委员会",
        lead_department_en="Provincial Development and Reform Commission",
        summary_zh="依托清洁水电资源降低算力用电成本：算力中心电价一年内由 0.5 元/度升至 0.6 元/度以上，成都每 P 每月电费约 833 元，高于沈阳约 800 元。",
        summary_en="Cheaper power for compute from clean hydropower: the electricity price paid by compute centers rose from 0.5 to over 0.6 yuan/kWh in a year; power cost per P per month is about 833 yuan in Chengdu vs about 800 in Shenyang.",
        progress_zh="算力中心电价、每 P 每月电费、绿电占比",
    ),
    dict(
        order=5,
        code="gov-llm",
        colour="#e67e22",
        name_zh="政务大模型（一个创新探索）",
        name_en="Government-affairs large model (+1 exploration)",
        short_zh="政务大模型",
        short_en="Gov. model",
        lead_department_zh="省大数据中心",
        lead_department_en="Provincial Big Data Center",
        summary_zh="以“智慧蓉城”政务数据为基础，推进跨部门数据共享、政务大模型试点与应用上线。",
        summary_en="A government-affairs large model built on Smart Rongcheng (智慧蓉城) data: cross-department data sharing, model pilots, applications launched.",
        progress_zh="跨部门数据共享、模型试点、应用上线",
    ),
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Initiative = apps.get_model("policy", "Initiative")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    for data in INITIATIVES:
        Initiative.objects.update_or_create(code=data["code"], defaults=data)


def backwards(apps, schema_editor):
    apps.get_model("policy", "Initiative").objects.filter(
        code__in=[d["code"] for d in INITIATIVES], projects__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, backwards)]
