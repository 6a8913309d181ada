"""Data: reference areas — Sichuan, its 21 prefectures, comparison cities, the 10 national
data-center clusters, China and the world.

Sources (copied with their source columns into policy/demo_data/): sichuan_prefectures.csv
(GB/T 2260 codes, GCJ-02 seat points), comparison_cities.csv,
eastdata_westcompute_hubs_clusters.csv. The rows are written into this migration so it does
not depend on files that may change later.
"""

from django.db import migrations

PREFECTURES = [
    ("510100", "成都市", "Chengdu", 104.065735, 30.659462),
    ("510300", "自贡市", "Zigong", 104.773447, 29.352765),
    ("510400", "攀枝花市", "Panzhihua", 101.716007, 26.580446),
    ("510500", "泸州市", "Luzhou", 105.443348, 28.889138),
    ("510600", "德阳市", "Deyang", 104.398651, 31.127991),
    ("510700", "绵阳市", "Mianyang", 104.741722, 31.46402),
    ("510800", "广元市", "Guangyuan", 105.829757, 32.433668),
    ("510900", "遂宁市", "Suining", 105.571331, 30.513311),
    ("511000", "内江市", "Neijiang", 105.066138, 29.58708),
    ("511100", "乐山市", "Leshan", 103.761263, 29.582024),
    ("511300", "南充市", "Nanchong", 106.082974, 30.795281),
    ("511400", "眉山市", "Meishan", 103.831788, 30.048318),
    ("511500", "宜宾市", "Yibin", 104.630825, 28.760189),
    ("511600", "广安市", "Guang'an", 106.633369, 30.456398),
    ("511700", "达州市", "Dazhou", 107.502262, 31.209484),
    ("511800", "雅安市", "Ya'an", 103.001033, 29.987722),
    ("511900", "巴中市", "Bazhong", 106.753669, 31.858809),
    ("512000", "资阳市", "Ziyang", 104.641917, 30.122211),
    (
        "513200",
        "阿坝藏族羌族自治州",
        "Ngawa (Aba) Tibetan and Qiang Autonomous Prefecture",
        102.221374,
        31.899792,
    ),
    (
        "513300",
        "甘孜藏族自治州",
        "Garze (Ganzi) Tibetan Autonomous Prefecture",
        101.963815,
        30.050663,
    ),
    ("513400", "凉山彝族自治州", "Liangshan Yi Autonomous Prefecture", 102.258746, 27.886762),
]

COMPARISON_CITIES = [
    ("210100", "沈阳市", "Shenyang", 123.4315, 41.8057),
    ("330100", "杭州市", "Hangzhou", 120.1551, 30.2741),
    ("500000", "重庆市", "Chongqing", 106.504962, 29.533155),
]

CLUSTERS = [
    (
        "CL-ZHANGJIAKOU",
        "张家口数据中心集群",
        "Zhangjiakou cluster",
        "京津冀枢纽",
        "Beijing-Tianjin-Hebei",
        114.88755,
        40.82444,
        "sourced (city seat)",
    ),
    (
        "CL-YRD",
        "长三角生态绿色一体化发展示范区数据中心集群",
        "YRD Eco-Green Integrated Development Demonstration Zone cluster",
        "长三角枢纽",
        "Yangtze River Delta",
        121.124,
        31.151,
        "UNVERIFIED (approx. Qingpu district)",
    ),
    (
        "CL-WUHU",
        "芜湖数据中心集群",
        "Wuhu cluster",
        "长三角枢纽",
        "Yangtze River Delta",
        118.376451,
        31.326319,
        "UNVERIFIED (city seat)",
    ),
    (
        "CL-SHAOGUAN",
        "韶关数据中心集群",
        "Shaoguan cluster",
        "粤港澳大湾区枢纽",
        "Guangdong-Hong Kong-Macao Greater Bay Area",
        113.591544,
        24.801322,
        "sourced (city seat)",
    ),
    (
        "CL-TIANFU",
        "天府数据中心集群",
        "Tianfu cluster (Sichuan)",
        "成渝枢纽",
        "Chengdu-Chongqing",
        104.065735,
        30.659462,
        "sourced (city seat; start areas 双流/郫都/简阳)",
    ),
    (
        "CL-CHONGQING",
        "重庆数据中心集群",
        "Chongqing cluster",
        "成渝枢纽",
        "Chengdu-Chongqing",
        106.504962,
        29.533155,
        "sourced (city seat)",
    ),
    (
        "CL-GUIAN",
        "贵安数据中心集群",
        "Gui'an cluster",
        "贵州枢纽",
        "Guizhou",
        106.713478,
        26.578343,
        "sourced (Guiyang seat; Gui'an New Area ~30 km SW)",
    ),
    (
        "CL-HORINGER",
        "和林格尔数据中心集群",
        "Horinger cluster",
        "内蒙古枢纽",
        "Inner Mongolia",
        111.7492,
        40.8424,
        "sourced (Hohhot; Horinger ~40 km S)",
    ),
    (
        "CL-QINGYANG",
        "庆阳数据中心集群",
        "Qingyang cluster",
        "甘肃枢纽",
        "Gansu",
        107.638372,
        35.734218,
        "sourced (city seat)",
    ),
    (
        "CL-ZHONGWEI",
        "中卫数据中心集群",
        "Zhongwei cluster",
        "宁夏枢纽",
        "Ningxia",
        105.189568,
        37.514951,
        "sourced (city seat)",
    ),
]


def forwards(apps, schema_editor):
    Region = apps.get_model("policy", "Region")
    world, _ = Region.objects.update_or_create(
        code="WLD", defaults=dict(name_zh="世界", name_en="World", level="world")
    )
    china, _ = Region.objects.update_or_create(
        code="CHN",
        defaults=dict(
            name_zh="中国",
            name_en="China",
            level="country",
            parent=world,
            lon=116.407526,
            lat=39.90403,
        ),
    )
    sichuan, _ = Region.objects.update_or_create(
        code="510000",
        defaults=dict(
            name_zh="四川省",
            name_en="Sichuan",
            level="province",
            parent=china,
            lon=104.065735,
            lat=30.659462,
        ),
    )
    for order, (code, zh, en, lon, lat) in enumerate(PREFECTURES):
        Region.objects.update_or_create(
            code=code,
            defaults=dict(
                name_zh=zh,
                name_en=en,
                level="prefecture",
                parent=sichuan,
                lon=lon,
                lat=lat,
                order=order,
                is_comparison=(code == "510100"),
                note="GCJ-02 seat point",
            ),
        )
    for order, (code, zh, en, lon, lat) in enumerate(COMPARISON_CITIES):
        Region.objects.update_or_create(
            code=code,
            defaults=dict(
                name_zh=zh,
                name_en=en,
                level="city",
                parent=china,
                lon=lon,
                lat=lat,
                order=order,
                is_comparison=True,
            ),
        )
    for order, (code, zh, en, hub_zh, hub_en, lon, lat, note) in enumerate(CLUSTERS):
        Region.objects.update_or_create(
            code=code,
            defaults=dict(
                name_zh=zh,
                name_en=en,
                level="cluster",
                parent=china,
                lon=lon,
                lat=lat,
                order=order,
                group_zh=hub_zh,
                group_en=hub_en,
                note=note,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_roles_and_initiatives")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
