"""The demo county's fixed tables: its towns, villages, departments, posts, skills and the pieces
of names."""

from __future__ import annotations

COUNTY = "云岭县"
# The county seat, down the valley to the south-east (WGS-84), where the county's staff live.
COUNTY_SEAT = (28.0650, 119.8150)

# Towns and their governments' seats (WGS-84); the villages are split among them by the valleys
# they lie in.
TOWNS = (
    ("青溪镇", (28.1520, 119.7080)),
    ("龙潭镇", (28.2035, 119.6700)),
    ("溪口乡", (28.1420, 119.7450)),
)

# Village, its town, its centre (WGS-84), its big families (surnames), how many village officials
# it has.
VILLAGES = (
    ("青溪村", "青溪镇", (28.1535, 119.7102), "王叶", 11),
    ("双溪村", "青溪镇", (28.1624, 119.6712), "金应", 10),
    ("枫树岭村", "青溪镇", (28.1226, 119.6754), "毛潘", 9),
    ("黄泥岗村", "青溪镇", (28.1011, 119.7035), "刘季", 9),
    ("龙潭村", "龙潭镇", (28.2087, 119.6591), "雷蓝", 9),
    ("石门村", "龙潭镇", (28.1842, 119.6825), "叶吴", 10),
    ("竹坑村", "龙潭镇", (28.2012, 119.7268), "吴何", 9),
    ("梅岙村", "龙潭镇", (28.2261, 119.6945), "钟雷", 9),
    ("溪口村", "溪口乡", (28.1398, 119.7354), "陈林", 10),
    ("上坪村", "溪口乡", (28.1765, 119.7490), "周徐", 9),
    ("下洋村", "溪口乡", (28.1289, 119.7611), "林郑", 10),
    ("岭根村", "溪口乡", (28.0952, 119.7388), "徐邵", 9),
)

# Departments and how many of their cadres (机关干部) are on the flood-duty roster. A department's
# name is its unit's and its own (青溪镇党政办公室); a station's is the town's short name and its
# own (青溪派出所). The three of 人民政府 lead their unit: 指挥长, 副指挥长 and 带班领导.
LEADERSHIP = "人民政府"
STATIONS = ("自然资源所", "派出所", "供电所")
COUNTY_DEPARTMENTS = ((LEADERSHIP, 3), ("防汛防台抗旱指挥部办公室", 5))
CADRE_UNITS = {
    "青溪镇": ((LEADERSHIP, 3), ("党政办公室", 3), ("应急管理办公室", 3), ("农业农村办公室", 3),
            ("村镇建设办公室", 3), ("社会事务办公室", 2), ("综合行政执法队", 2),
            ("水利管理服务站", 2), ("自然资源所", 2), ("派出所", 2)),
    "龙潭镇": ((LEADERSHIP, 3), ("党政办公室", 2), ("应急管理办公室", 3), ("农业农村办公室", 3),
            ("村镇建设办公室", 2), ("社会事务办公室", 2), ("经济发展办公室", 1),
            ("水利管理服务站", 2), ("派出所", 2)),
    "溪口乡": ((LEADERSHIP, 3), ("党政办公室", 2), ("应急管理办公室", 3), ("农业农村办公室", 3),
            ("社会事务办公室", 2), ("财政所", 1), ("综合行政执法队", 2), ("水利管理服务站", 2)),
}
# Each town's teams of people who are neither cadres nor village officials.
OTHER_UNITS = {
    "青溪镇": (("应急救援队", 6), ("民兵应急排", 4), ("卫生院", 2), ("供电所", 2)),
    "龙潭镇": (("应急救援队", 5), ("民兵应急排", 4), ("卫生院", 3)),
    "溪口乡": (("应急救援队", 4), ("民兵应急排", 4), ("卫生院", 2)),
}
# Volunteers and grid workers (网格员) who belong to a village.
VILLAGE_VOLUNTEERS = 79

# The responsible role each kind of post calls for (local flood-control rules).
WATER_WARDEN = "水利工程巡查员"
FLASH_FLOOD_WARDEN = "山洪预警员"
LANDSLIDE_WARDEN = "地灾群测群防员"
SHELTER_KEEPER = "避灾场所管理员"
HOUSE_LIAISON = "危房联络员"
ROLE_SKILLS = (WATER_WARDEN, FLASH_FLOOD_WARDEN, LANDSLIDE_WARDEN, SHELTER_KEEPER, HOUSE_LIAISON)
WORKING_GROUPS = ("监测预警", "人员转移", "抢险救援", "后勤保障")
SKILL_FOR_KIND = {
    "reservoir": WATER_WARDEN,
    "pond": WATER_WARDEN,
    "embankment": WATER_WARDEN,
    "landslide": LANDSLIDE_WARDEN,
    "shelter": SHELTER_KEEPER,
    "dangerous_house": HOUSE_LIAISON,
}
# What a department's or team's people tend to be trained for.
DEPARTMENT_SKILLS = {
    "防汛防台抗旱指挥部办公室": (FLASH_FLOOD_WARDEN, "监测预警"),
    "应急管理办公室": (FLASH_FLOOD_WARDEN, "监测预警"),
    "农业农村办公室": (WATER_WARDEN, "人员转移"),
    "村镇建设办公室": (HOUSE_LIAISON,),
    "社会事务办公室": (SHELTER_KEEPER, "后勤保障"),
    "自然资源所": (LANDSLIDE_WARDEN, "监测预警"),
    "水利管理服务站": (WATER_WARDEN, FLASH_FLOOD_WARDEN),
    "派出所": ("人员转移",),
    "综合行政执法队": ("抢险救援",),
    "应急救援队": ("抢险救援",),
    "民兵应急排": ("抢险救援", "人员转移"),
    "卫生院": ("后勤保障",),
    "供电所": ("抢险救援", "后勤保障"),
}
# Who answers for a post (防汛责任人): the village's head is its 行政责任人, a town cadre trained as
# water warden its 技术责任人, the village official trained for the kind its 巡查责任人 and the
# village's 包村干部 its 包点联系人. A reservoir or pond has the first three (三个责任人), an
# embankment a head as well, any other post a patrol and a contact.
RESPONSIBLES_BY_KIND = {
    "reservoir": ("administrative", "technical", "patrol"),
    "pond": ("administrative", "technical", "patrol"),
    "embankment": ("administrative", "patrol", "contact"),
}
OTHER_RESPONSIBLES = ("patrol", "contact")

# Posts: name, kind, village, geofence radius (m), risk (1 low … 4 high).
POSTS = (
    ("石门水库", "reservoir", "石门村", 300, 3),
    ("龙潭水库", "reservoir", "龙潭村", 250, 3),
    ("梅岙水库", "reservoir", "梅岙村", 200, 2),
    ("黄泥岗水库", "reservoir", "黄泥岗村", 200, 2),
    ("竹坑村大坑山塘", "pond", "竹坑村", 100, 3),
    ("上坪村塘坞山塘", "pond", "上坪村", 80, 2),
    ("枫树岭村岭脚山塘", "pond", "枫树岭村", 80, 2),
    ("下洋村洋坑山塘", "pond", "下洋村", 100, 3),
    ("双溪村后垄山塘", "pond", "双溪村", 80, 1),
    ("岭根村庙后山塘", "pond", "岭根村", 80, 2),
    ("青溪村东坑山塘", "pond", "青溪村", 80, 2),
    ("石门村外坑山塘", "pond", "石门村", 80, 2),
    ("溪口村后门山山塘", "pond", "溪口村", 80, 2),
    ("龙潭村下村山塘", "pond", "龙潭村", 80, 2),
    ("上坪村坪尾山塘", "pond", "上坪村", 60, 1),
    ("枫树岭村大湾山塘", "pond", "枫树岭村", 80, 2),
    ("下洋村塘岙山塘", "pond", "下洋村", 80, 2),
    ("黄泥岗村前垄山塘", "pond", "黄泥岗村", 80, 2),
    ("梅岙村上岙山塘", "pond", "梅岙村", 80, 2),
    ("岭根村后岭山塘", "pond", "岭根村", 60, 1),
    ("青溪村后山地质灾害点", "landslide", "青溪村", 120, 3),
    ("龙潭村上村滑坡隐患点", "landslide", "龙潭村", 150, 4),
    ("枫树岭村三组崩塌隐患点", "landslide", "枫树岭村", 100, 3),
    ("梅岙村岙底滑坡隐患点", "landslide", "梅岙村", 120, 4),
    ("竹坑村坑口泥石流隐患点", "landslide", "竹坑村", 150, 3),
    ("黄泥岗村岗头崩塌隐患点", "landslide", "黄泥岗村", 80, 2),
    ("石门村水口滑坡隐患点", "landslide", "石门村", 100, 2),
    ("上坪村坪头地质灾害点", "landslide", "上坪村", 90, 3),
    ("溪口村牛头山滑坡隐患点", "landslide", "溪口村", 100, 3),
    ("上坪村公路边坡崩塌隐患点", "landslide", "上坪村", 90, 2),
    ("竹坑村二组滑坡隐患点", "landslide", "竹坑村", 100, 3),
    ("下洋村后山崩塌隐患点", "landslide", "下洋村", 90, 2),
    ("双溪村后山滑坡隐患点", "landslide", "双溪村", 100, 2),
    ("岭根村岭头滑坡隐患点", "landslide", "岭根村", 120, 3),
    ("青溪老街低洼易涝点", "low_road", "青溪村", 120, 2),
    ("溪口村沿溪路低洼路段", "low_road", "溪口村", 100, 3),
    ("下洋村村口低洼路段", "low_road", "下洋村", 80, 2),
    ("黄泥岗隧道口易涝点", "low_road", "黄泥岗村", 80, 2),
    ("双溪村礼堂前低洼地", "low_road", "双溪村", 60, 1),
    ("岭根村过溪路低洼段", "low_road", "岭根村", 80, 2),
    ("石门村溪滩路低洼路段", "low_road", "石门村", 80, 2),
    ("龙潭村进村路低洼段", "low_road", "龙潭村", 80, 2),
    ("上坪村溪边低洼路段", "low_road", "上坪村", 60, 2),
    ("竹坑村坑边路低洼段", "low_road", "竹坑村", 80, 2),
    ("梅岙村岙口低洼路段", "low_road", "梅岙村", 80, 2),
    ("石门村危旧房集中点", "dangerous_house", "石门村", 50, 3),
    ("龙潭村三组危旧房", "dangerous_house", "龙潭村", 40, 3),
    ("梅岙村独居老人危房户", "dangerous_house", "梅岙村", 30, 2),
    ("溪口村沿河危旧房", "dangerous_house", "溪口村", 50, 2),
    ("黄泥岗村土木结构危房", "dangerous_house", "黄泥岗村", 40, 2),
    ("上坪村危旧房片区", "dangerous_house", "上坪村", 60, 1),
    ("枫树岭村独居老人危房", "dangerous_house", "枫树岭村", 40, 2),
    ("竹坑村土坯危房户", "dangerous_house", "竹坑村", 40, 2),
    ("下洋村危旧房片区", "dangerous_house", "下洋村", 50, 2),
    ("双溪村沿河危旧房", "dangerous_house", "双溪村", 40, 2),
    ("岭根村土木结构危房", "dangerous_house", "岭根村", 40, 2),
    ("镇中心小学避灾安置点", "shelter", "青溪村", 100, 2),
    ("青溪镇文化中心避灾安置点", "shelter", "青溪村", 80, 1),
    ("石门村文化礼堂避灾安置点", "shelter", "石门村", 60, 2),
    ("龙潭村村委会避灾安置点", "shelter", "龙潭村", 50, 2),
    ("上坪村文化礼堂避灾安置点", "shelter", "上坪村", 60, 1),
    ("岭根村老年活动中心避灾安置点", "shelter", "岭根村", 50, 1),
    ("溪口村小学避灾安置点", "shelter", "溪口村", 60, 2),
    ("枫树岭村文化礼堂避灾安置点", "shelter", "枫树岭村", 60, 1),
    ("竹坑村村委会避灾安置点", "shelter", "竹坑村", 50, 1),
    ("下洋村文化礼堂避灾安置点", "shelter", "下洋村", 60, 2),
    ("黄泥岗村礼堂避灾安置点", "shelter", "黄泥岗村", 50, 1),
    ("双溪村文化礼堂避灾安置点", "shelter", "双溪村", 60, 1),
    ("梅岙村文化礼堂避灾安置点", "shelter", "梅岙村", 50, 1),
    ("溪口大桥", "bridge", "溪口村", 80, 3),
    ("双溪漫水桥", "bridge", "双溪村", 60, 3),
    ("竹坑村过水涵洞", "bridge", "竹坑村", 50, 2),
    ("龙潭溪漫水桥", "bridge", "龙潭村", 60, 3),
    ("枫树岭村过溪桥", "bridge", "枫树岭村", 50, 2),
    ("青溪河青溪村段堤防", "embankment", "青溪村", 250, 3),
    ("青溪河溪口段堤防", "embankment", "溪口村", 300, 3),
    ("双溪汇合口堤防", "embankment", "双溪村", 200, 2),
    ("下洋溪下洋村段堤防", "embankment", "下洋村", 150, 2),
    ("石门溪石门村段堤防", "embankment", "石门村", 200, 2),
    ("梅岙溪梅岙村段堤防", "embankment", "梅岙村", 150, 2),
)
# How far from its village centre each kind of post lies (m): reservoirs up the valley,
# shelters in the middle of the village.
POST_DISTANCE_M = {
    "reservoir": (1200, 2500),
    "pond": (400, 1200),
    "landslide": (200, 900),
    "low_road": (100, 500),
    "dangerous_house": (100, 600),
    "shelter": (0, 250),
    "bridge": (150, 600),
    "embankment": (100, 700),
}

# Common surnames, roughly as often as they occur in the region (repeats weigh them).
SURNAMES = (
    "王王王李李张张陈陈陈林林叶叶吴吴周周徐徐刘刘金金潘毛雷蓝钟黄杨赵朱胡何郑程汪邵应方"
    "傅季吕陶柳邱俞鲍包华任沈蒋蔡余杜范郭孙马"
)
MALE_FIRST = "建志国永金春海伟晓俊德立文明新宏小荣家长正光世"
MALE_SECOND = "国强华明军平林峰斌杰涛忠荣兵辉根福祥松成刚龙勇良清东生波军伟"
FEMALE_FIRST = "秀美丽晓玉春雪彩爱桂金淑小佳慧素月"
FEMALE_SECOND = "英芳娟敏静燕霞红玲萍琴兰凤梅婷莉洁华珍芬云"
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                   "151", "152", "153", "155", "157", "158", "159", "180", "181", "182",
                   "183", "186", "187", "188", "189")

# The demo response, the county's, and the display names of the demo accounts.
EVENT_NAME = "云岭县2026年第3轮强降雨防御"
EVENT_KIND = "rainstorm"
EVENT_LEVEL = 3  # Ⅲ级响应
ACCOUNT_NAMES = {"admin": "县防汛办管理员", "commander": "县防指值班室", "inspector": "县督查办",
                 "county": "云岭县防汛防台指挥部", "qingxi": "青溪镇防汛防台指挥部",
                 "longtan": "龙潭镇防汛防台指挥部", "xikou": "溪口乡防汛防台指挥部"}
