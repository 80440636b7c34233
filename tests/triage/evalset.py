"""The triage evaluation set: how it was made, and how tests and bench read it.

`python -m tests.triage.evalset` rewrites tests/data/triage_eval.jsonl (fixed seed). The
committed file is the set; this module documents it and loads it.

What is in it, and why it is harder than tests/triage/labelled.py:
* Real-looking places in 纳溪区: estates, streets and a school in the town centre (安富, 永宁,
  东升街道) a few hundred metres apart, two pairs of neighbouring estates ~200 m apart, and
  villages and town streets in the 镇.
* Each place has two "episodes" weeks apart; in each, two or three matters at once. A matter
  is reported one to four times within three days, each time by a different voice (a
  resident in dialect or in plain words, a guard at the gate, a grid worker in official
  language), naming the place differently or not at all, naming people or describing them.
* So the set has true duplicates written as paraphrases; look-alikes (another matter at the
  same place in the same days, often of the same kind: renovation noise and square dancing);
  the same kind of matter at other places at the same time (the same wording, elsewhere);
  the same matter at the same place weeks before (an old case); and single reports.
* Labels: the matter each report belongs to, and the category a cleaner would choose (codes
  of the seeded tree in app/categories/seed.py).

The split is by place (the places' `split` below): a held-out place's reports are written
only from each matter's HELD-OUT wordings (one in plain words, four paraphrases), written before the synonym lexicon
(app/triage/lexicon.py) and deliberately use words it does not list (dialect, official
circumlocutions, other names for the same things). Tuning looks only at the train split.
"""

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 20261130
PATH = Path(__file__).resolve().parents[1] / "data" / "triage_eval.jsonl"
START = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)
METRES_PER_DEG_LAT = 111_320.0
METRES_PER_DEG_LON = 97_640.0  # at 28.75°N

# (name, kind, lon, lat, split). kind: estate | street | village. Centre ≈ 105.377, 28.776.
PLACES: tuple[tuple[str, str, float, float, str], ...] = (
    ("云溪花园", "estate", 105.3712, 28.7745, "train"),
    ("云溪花园二期", "estate", 105.3733, 28.7752, "train"),  # ~210 m from 云溪花园
    ("滨江壹号", "estate", 105.3801, 28.7712, "train"),
    ("安富新城", "estate", 105.3655, 28.7801, "heldout"),
    ("永宁苑", "estate", 105.3850, 28.7790, "train"),
    ("棉花坡安置小区", "estate", 105.3590, 28.7650, "train"),
    ("东升社区", "estate", 105.3920, 28.7700, "heldout"),
    ("人民路农贸市场", "street", 105.3760, 28.7795, "train"),
    ("纳溪中学", "street", 105.3695, 28.7845, "heldout"),
    ("金桂园", "estate", 105.3885, 28.7850, "train"),
    ("沿江路", "street", 105.3830, 28.7655, "train"),
    ("翠屏华府", "estate", 105.3625, 28.7720, "heldout"),
    ("凤凰湖小区", "estate", 105.3965, 28.7815, "train"),
    ("锦江苑", "estate", 105.3745, 28.7685, "train"),
    ("康乐新村", "estate", 105.3670, 28.7610, "heldout"),
    ("和平路还房小区", "estate", 105.3795, 28.7850, "train"),
    ("阳光壹号", "estate", 105.3905, 28.7750, "train"),
    ("桂花巷", "street", 105.3560, 28.7760, "heldout"),
    ("龙湖湾", "estate", 105.4010, 28.7745, "heldout"),
    ("龙湖湾南苑", "estate", 105.4024, 28.7730, "heldout"),  # ~200 m from 龙湖湾
    ("新城商业街", "street", 105.3980, 28.7880, "train"),
    ("大渡口镇中心街", "street", 105.4200, 28.8100, "train"),
    ("护国镇老街", "street", 105.3500, 28.6100, "heldout"),
    ("丰乐镇场镇", "street", 105.3150, 28.7050, "train"),
    ("白节镇团结村", "village", 105.4500, 28.6600, "train"),
    ("天仙镇天仙村", "village", 105.4100, 28.7300, "heldout"),
    ("新乐镇新乐村", "village", 105.3000, 28.7600, "train"),
    ("合面镇合面村", "village", 105.2700, 28.6900, "train"),
    ("上马镇上马村", "village", 105.4800, 28.7400, "heldout"),
    ("打古镇古湖村", "village", 105.5200, 28.6000, "train"),
    ("龙车镇龙车村", "village", 105.3300, 28.6500, "heldout"),
    ("棉花坡镇石堡村", "village", 105.3420, 28.7350, "train"),
    ("渠坝镇场镇", "street", 105.4400, 28.6900, "train"),
)

URBAN, RURAL, ANY = ("estate", "street"), ("village",), ("estate", "street", "village")

# matter → (category a cleaner chooses, where it happens, train wordings, held-out wordings).
# Slots: {p} how the reporter names the place, {who} a person named or described,
# {n} a number of people, {m} a sum of money.
MATTERS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "renovation_noise": ("neighbour.noise", ("estate",), (
        "{p}有家在装修，噪音大得很，晚上八点过了还在钻墙",
        "{p}楼上装修噪音太大，每天早上七点就开始打电钻，老人孩子都休息不好",
        "我是{p}的住户，{who}家装修天天砸墙，周末都不停，吵得头疼",
        "网格员巡查发现：{p}一户居民装修施工超出规定时段，周边住户投诉扰民",
        "值班保安反映，{p}有业主中午和晚上还在施工，电钻声很大，住户来门岗投诉了好几次",
        "{p}隔壁搞装修，切割机的声音从早响到晚，孩子没法上网课",
        "{p}有户人家装修敲墙的声音特别大，晚上九点多还在弄",
    ), (
        "{p}楼顶那家搞翻新，冲击钻嗡嗡的一整天，我妈心脏不好受不了",
        "{who}屋头在整房子，叮叮咚咚从天亮整到天黑，午觉都睡不成",
        "经入户走访，{p}多名住户反映某户室内改造作业时间过长、声响过大，影响正常休息",
        "门岗登记：{p}有住户连续几天在午休时段施工，开槽打孔声音刺耳，已有住户到岗亭抱怨",
    )),
    "water_leak": ("neighbour.water_leak", ("estate",), (
        "{p}楼上漏水把我家衣柜都泡坏了，{who}说不是他家的问题",
        "{p}楼上卫生间漏水，我家天花板全湿了，找他们几次都不管",
        "{p}我家厨房顶上一直在渗水，应该是楼上水管坏了，楼上{who}不配合维修",
        "网格员走访：{p}上下楼住户因卫生间渗漏发生纠纷，楼下墙面大面积霉变",
        "{p}楼上防水没做好，一用水就往我家滴水，和楼上吵了好几次",
        "我住{p}，楼上家的水往下滴，墙皮都泡掉了，协商不成",
        "物业保安说{p}有户人家水管爆了，楼下两家都被淹，现在双方在吵",
    ), (
        "{p}上面那家洗澡的水顺着吊顶往下淌，灯都不敢开，敲门也没人理",
        "我屋顶棚湿了一大块还长了黑斑，肯定是楼上下水管破了，{who}就是不肯修",
        "巡查中发现，{p}某户因卫浴防潮层失效导致下层住户顶板潮湿、涂料起皮，双方未能达成一致",
        "{p}楼上的地暖管子坏了，水从我家客厅顶上一滴一滴落下来，接了两桶",
    )),
    "unpaid_wages": ("labour_wages.unpaid_wages", ANY, (
        "{p}旁边的工地拖欠我们工人工资，包工头跑了，{n}个人的工钱没结",
        "{p}那个工地老板欠薪三个月了，我们{n}多个农民工讨薪无门",
        "在{p}工地干活，工资一直不发，找项目部也推来推去",
        "网格员报告：{p}建筑工地拖欠{n}名务工人员劳务费共计{m}，工人情绪激动",
        "我们在{p}的工地做了半年，工资到现在还没结清，老板电话也不接",
        "{p}附近工地的工人来门卫室说，老板欠他们工钱不给，准备拉横幅",
    ), (
        "{p}的工地欠我们工资快半年了，老板一直躲着不见人",
        "{p}那边盖楼的老板干完活就不认账了，{n}个师傅辛苦钱一分没拿到",
        "我跟着{who}在{p}做钢筋，做完了人就联系不上了，说好的{m}一直不兑现",
        "经核实，{p}某在建项目未按约定向{n}名施工人员支付报酬，涉及金额约{m}",
        "{p}搞装修的班组老板拖了我们大半年的钱，过年回家的车费都没得",
    )),
    "fight": ("public_order", ANY, (
        "{p}门口有两个人在打架，已经见血了，快来人",
        "{p}楼下两家人因为停车位吵起来然后动手打人了",
        "刚才{p}有几个人斗殴，一个人头被打破了",
        "保安报告：{p}大门口有人酒后闹事，和路人扭打在一起",
        "网格员反映：{p}发生一起打架事件，双方各有人员受伤，需派出所介入",
        "{p}这边有人打架闹事，场面很乱",
    ), (
        "{p}有人打架，一个人被打伤了躺在地上",
        "{p}几个年轻人喝多了在路边干起来了，拳头乱挥，有人摔在地上起不来",
        "{who}跟卖菜的起了冲突，两个人揪着衣服扯来扯去，旁边的人都拉不开",
        "{p}发生肢体冲突，一方面部流血，现场围观群众较多，请求警力支援",
        "门岗看到{p}外面有两拨人对骂后互相推打，其中一个拿了根棍子",
    )),
    "ebike_charging": ("safety_hazard.fire", ("estate",), (
        "{p}有人在楼道给电动车充电，插线板就丢在地上",
        "{p}楼道里有人拉电线给电动车充电，太危险了",
        "{p}好几户把电瓶车推进楼道充电，飞线充电存在消防隐患",
        "{p}电动车在楼道里充电，晚上一直插着，担心起火",
        "网格员巡查：{p}存在电动自行车入户充电、私拉电线现象，已当面劝导",
        "保安夜间巡逻发现{p}一楼有人从窗户吊插线板下来给电瓶车充电",
        "{p}楼梯间停满电动车还在充电，万一着火人都跑不出去",
    ), (
        "{p}有人把插排从三楼窗口垂下来，底下接着两台摩托车的电池，一充就是一夜",
        "{who}天天把小毛驴扛上楼放在走廊上插电，那么多人住，出事了咋办",
        "检查发现{p}单元过道内有住户给电单车蓄电池补电，线路裸露，存在较大隐患",
        "{p}架空层那里一排电驴插着线，线头都烧黑了，闻到一股焦味",
    )),
    "property_fees": ("property_mgmt.fees", ("estate",), (
        "{p}物业今年又涨物业费了，服务一点没变好",
        "{p}物业乱收费，停车费一年涨了两次也不公示",
        "{p}物业强行收取电梯维修费，业主不同意就停水停电",
        "我们{p}的物业公司乱收费，多收公摊费用，业主很不满",
        "{p}物业要求补交三年物业费才给办门禁卡，太不合理",
        "网格员收集到{p}多名业主反映，物业服务企业擅自上调收费标准，未经业主大会同意",
        "{p}物管收垃圾处理费还要另外收，一年多交好几百",
    ), (
        "{p}管小区的那家公司今年突然说每平米要多交五毛，问他们凭啥也说不出来",
        "{who}他们要我们把欠的管理费连滞纳金一起补上才肯给车辆登记",
        "据{p}业主反映，服务方在未公开账目的情况下多次提高公共能耗分摊金额",
        "{p}的管家说不交齐明年的钱就不给开水卡，这不是逼人吗",
    )),
    "property_service": ("property_mgmt.service", ("estate",), (
        "{p}的物业太不负责了，电梯坏了报修一个星期都没人来",
        "{p}电梯坏了半个月没人修，老人上下楼太难了",
        "{p}物业不作为，楼道灯坏了好久，保洁也不来打扫",
        "{p}物管服务太差，门禁坏了外人随便进，保安也不管",
        "网格员反映：{p}物业服务质量差，电梯频繁故障，业主要求更换物业",
        "{p}的电梯三天两头出故障，昨天还困了人，物业就是拖着",
        "{p}绿化没人管，杂草长得比人高，物业收了钱不干事",
    ), (
        "{p}的升降梯停了两个礼拜，八十岁的{who}爬十几层楼，管理处一直说在等配件",
        "我们{p}的管理处形同虚设，走廊的灯黑了一个月，也不见人来扫地",
        "{p}住户集中反映服务单位履职不到位：垂直电梯长期停运，公共区域卫生无人维护",
        "{p}大门的刷卡机坏了好久，谁都能进来，值班的人整天在屋里玩手机",
    )),
    "dog": ("neighbour", ANY, (
        "{p}有户人家养的大狗不拴绳，已经咬伤了一个小孩",
        "{p}有人遛狗不牵绳，狗扑人，老人孩子都害怕",
        "{p}楼下那只大狗天天乱跑，今天把我家孩子咬了",
        "保安反映{p}业主{who}的狗咬了快递员，双方在门口争执",
        "网格员走访：{p}居民饲养大型犬未采取安全措施，多次发生追咬行人",
        "{p}邻居家的狗整天叫，还到处拉屎，说了也不听",
    ), (
        "{p}的狗没拴绳在小区里乱窜，咬了人也不管",
        "{p}那条黄毛土狗没人看着，在单元门口冲出来把我小腿叼了一口，打了狂犬针",
        "{who}牵的那条金毛绳子太长，扑上来把我家娃娃吓哭了",
        "{p}有居民所养犬只无人看管，近期致一名老年人受伤，对方拒绝承担医疗费用",
        "{p}几条流浪的和家养的混在一起，放学的时候追着小娃儿跑",
    )),
    "garbage": ("pollution", ANY, (
        "{p}垃圾堆了一个星期没人清运，臭味很大",
        "{p}门口的垃圾桶满了好几天也没人收，苍蝇蚊子很多",
        "{p}垃圾站没人管，到处都是垃圾，夏天臭得受不了",
        "网格员巡查发现{p}生活垃圾积存未及时清运，周边环境脏乱",
        "{p}的生活垃圾堆在路边好多天了，一直没有人来运走",
        "保安说{p}后门的垃圾房好几天没拉走，味道飘到楼上",
    ), (
        "{p}垃圾好几天没人收，堆在门口臭得很",
        "{p}倒渣滓的地方都堆成山了，环卫车好几天没来，路过都要捂鼻子",
        "{who}家门口那个收集点满得溢出来，野猫翻得一地都是",
        "{p}餐厨废弃物及生活废弃物长时间滞留，蚊蝇滋生，异味明显",
        "{p}的废品和烂菜叶子扔得到处都是，下雨一泡黑水流到街上",
    )),
    "cooking_fumes": ("pollution", URBAN, (
        "{p}楼下的烧烤店油烟直接往楼上排，窗户都不敢开",
        "{p}底商饭馆排油烟扰民，家里全是油烟味",
        "{p}一楼开了个餐馆，油烟管道对着居民窗户排放",
        "网格员反映：{p}临街餐饮商户未安装油烟净化装置，居民投诉较多",
        "{p}楼下火锅店的油烟熏得我家阳台衣服都是味",
        "{p}那家大排档晚上烤串，烟大得像着火了一样",
    ), (
        "{p}楼下饭馆的油烟太大了，窗户一开全是油烟",
        "{p}底下那家串串店的抽风机正对我卧室，一晚上都是辣椒和牛油的呛味",
        "{who}开的小炒馆子灶台的烟从后窗冒出来，熏得楼上的人咳嗽",
        "{p}商铺餐饮排烟设施设置不规范，排放口距离住宅窗户过近",
        "{p}楼底下的烤鱼店，那股烟子往上窜，我晾的被子全是鱼腥味",
    )),
    "elder_support": ("marriage_family.support", ANY, (
        "{p}有位八十多岁的老人，几个子女都不愿意赡养",
        "{p}一个老人生病了，儿子儿媳不管，老人没人照顾",
        "{p}的{who}子女不尽赡养义务，生活费也不给",
        "网格员走访发现：{p}一名独居老人与子女因赡养问题产生矛盾，老人生活困难",
        "反映{p}老人赡养纠纷，兄弟几个互相推诿",
        "{p}有老人被儿子赶出家门，现在住在车库里",
    ), (
        "{p}一位老人的几个子女都不管他，老人生病也没人送医院",
        "{p}的{who}七十多了，三个娃儿都在城里，没一个回来看，药钱都是邻居垫的",
        "{who}的大儿子说房子分给了老二就该老二管，老二又说没钱，老太太一个人饿肚子",
        "据{p}村民反映，一位高龄老人的后辈长期拒绝履行供养责任，老人基本生活无保障",
        "{p}那个老爷子瘫在床上，儿女轮流照顾排不好，为这个天天吵",
    )),
    "manhole": ("safety_hazard.building", URBAN, (
        "{p}门口的井盖丢了，晚上很危险，已经有人差点掉进去",
        "{p}路边有个井盖破了一个大洞，容易伤人",
        "{p}附近窨井盖缺失，只用树枝挡着，存在安全隐患",
        "{p}前面的下水道井盖松动，车一压就翻起来",
        "网格员巡查：{p}人行道检查井盖板破损，已设置临时警示",
        "保安反映{p}大门外的雨水井盖被车压碎了",
    ), (
        "{p}有个井盖坏了一直没人修，晚上看不清很危险",
        "{p}路口那个下水道口的铁盖子不见了，黑洞洞的，骑车的差点栽进去",
        "{p}人行道上一块水泥盖板塌下去了，{who}的脚卡在里面扭伤了",
        "{p}市政检修口盖板缺失，夜间照明不足，存在行人坠落风险",
        "{p}那个排水沟的盖子翘起来了，小娃儿放学都从那里过",
    )),
    "parking": ("neighbour.access", URBAN, (
        "{p}有人长期把车停在消防通道上，救护车都进不来",
        "{p}我的车位被人占了，和对方沟通多次无果",
        "{p}有辆车堵在单元门口好几天，大家进出都不方便",
        "{p}私家车乱停乱放，把主干道都堵死了",
        "保安反映：{p}有车辆长期占用出入口停放，劝离不听",
        "网格员巡查发现{p}机动车占用公共通道停放，影响居民通行",
    ), (
        "{p}有车一直占着消防通道，叫了也不挪",
        "{p}有个白色面包车天天横在我家车库门口，我的车开不出去",
        "{who}把他的货车往巷子口一丢就走了，三轮车都过不去",
        "{p}部分车主长期将车辆停放于应急通道内，一旦发生险情将严重影响救援",
        "{p}那台黑色小轿车在路口一放就是一个礼拜，打电话也不挪",
    )),
    "square_dance": ("neighbour.noise", URBAN, (
        "{p}广场舞音响声音开得特别大，晚上十点还在跳",
        "{p}每天晚上有人跳广场舞，音乐很吵，影响学生学习",
        "{p}旁边空地跳舞的音响太响了，劝了也不听",
        "网格员反映：{p}广场舞活动音量过大、时间过长，周边居民意见较大",
        "{p}楼下跳广场舞放音乐，噪音太大，家里老人睡不着",
        "保安说{p}的大妈们天天晚上在门口跳舞，住户打电话来投诉",
    ), (
        "{p}跳广场舞的音响太大声了，天天吵到晚上九点多",
        "{p}坝子上那群阿姨的喇叭开得震天响，我娃儿马上中考了作业都写不成",
        "{who}她们一到晚饭后就在楼下蹦，放的歌隔着双层玻璃都听得见",
        "{p}健身舞蹈队晚间使用扩音设备，分贝明显超标，持续至二十二时以后",
        "{p}花坛边每晚音箱放得咚咚响，跟她们讲了好几回，调小两分钟又开大",
    )),
    "private_loan": ("private_lending", ANY, (
        "{p}的邻居借了我{m}，说好半年还，现在一直拖着不还",
        "我借给{p}的熟人{who}{m}，有借条，他现在不接电话",
        "{p}有人向我借钱后不还，金额{m}，多次催要无果",
        "反映{p}借款纠纷，对方欠钱不还还威胁我",
        "网格员调解记录：{p}两户居民因民间借贷发生纠纷，借款{m}逾期未还",
        "{p}的朋友借钱做生意亏了，欠我的钱不还",
    ), (
        "{who}借了我{m}不还，我手里有借条",
        "{who}前年找我周转了{m}，打了收据的，现在见了我就躲",
        "{p}的亲戚拿了我{m}说做生意，到期了一分都不退，还把我拉黑了",
        "{p}居民间存在资金往来争议，出借方持有书面凭证，要求对方归还本金{m}",
        "我在{p}开店的老乡问我拿了{m}应急，说一个月就给，快一年了还是没影子",
    )),
    "gas_smell": ("safety_hazard.gas", ANY, (
        "{p}楼道里有很大的煤气味，怀疑哪家漏气了",
        "{p}天然气管道好像漏了，闻到一股臭鸡蛋味",
        "保安巡逻发现{p}某单元燃气味道很重，已通知住户开窗",
        "网格员反映：{p}有商户违规使用液化气罐，存放位置靠近明火",
        "{p}小吃店把好几个液化气罐堆在门口，太危险了",
        "{p}燃气表那里一直嘶嘶响，味道很大",
    ), (
        "{p}有股很浓的煤气味，担心是管道漏气了",
        "{p}一进单元门就一股子臭味，像是哪家灶上的管子松了",
        "{who}家的气罐子就放在灶台边，胶管都老化裂口了，劝了不换",
        "{p}沿街商铺存在瓶装可燃气体违规存放情况，未配置报警装置",
        "{p}楼梯口闻到很冲的味道，我怕出事，先把电闸关了",
    )),
    "ktv_noise": ("neighbour.noise", URBAN, (
        "{p}楼下的KTV每天唱到凌晨两三点，根本睡不着",
        "{p}酒吧音响开到半夜，低音震得窗户响",
        "网格员反映：{p}娱乐场所夜间经营噪声扰民，居民多次投诉",
        "{p}旁边的歌厅天天晚上鬼哭狼嚎，吵得孩子哭",
        "保安说{p}对面那家清吧夜里还有人喝酒划拳，很吵",
    ), (
        "{p}旁边的KTV半夜还很吵，投诉了好多次都没用",
        "{p}对面那家唱歌的地方天天闹到后半夜，低音炮咚咚的心里发慌",
        "{who}开的酒馆半夜还在放摇滚，整栋楼都跟着震",
        "{p}某夜间经营场所营业至凌晨，音量控制不当，周边住户休息受到严重干扰",
        "{p}夜宵摊子旁边那个小酒吧，喝酒的人划拳吼到三点",
    )),
    "illegal_construction": ("housing_land", ANY, (
        "{p}顶楼住户在楼顶违章搭建阳光房，占用公共空间",
        "{p}有人在院子里违建两层楼，挡住了我家采光",
        "网格员巡查发现：{p}一处在建房屋未办理审批手续，疑似违法建设",
        "{p}一楼住户把花园圈起来加盖房子，邻居意见很大",
        "{p}的{who}在宅基地上超面积建房，和邻居为地界吵起来了",
    ), (
        "{p}有人违章搭建，把公共的地方都占了",
        "{p}楼顶那家又在搭铁皮棚子，焊了好几天，雨水都流到我们屋头",
        "{who}在自家屋后面加了一间偏房，一直占到我家的墙根",
        "{p}存在未经规划许可擅自扩建的情况，新增建筑侵占公共绿地",
        "{p}一楼那户把墙打了往外扩了两米，开了个门面",
    )),
    "consumer": ("consumer", URBAN, (
        "{p}的健身房突然关门了，我办的年卡还有几千块没用完",
        "{p}的理发店办了预付卡，现在换老板不认账了",
        "网格员收到{p}多名居民反映：某培训机构收取预付费用后停业，要求退款",
        "在{p}买的电器有质量问题，商家不给退货",
        "{p}超市卖过期食品，找商家理论还被骂",
    ), (
        "{p}的健身房跑路了，办了卡的人都退不了钱",
        "{p}那家游泳馆门上贴了个转让，我充的三千块找不到人退",
        "{who}的美容院充值了五千说倒闭就倒闭，老板娘电话打不通",
        "{p}某教育机构预收学员课时费后经营者失联，涉及家长约{n}人",
        "在{p}买的冰箱用了一个礼拜就不制冷，店家推给厂家，厂家推给店家",
    )),
    "traffic": ("traffic_accident", ("street", "village"), (
        "{p}两辆车撞了，双方为赔偿的事吵了起来",
        "{p}路口一辆轿车和电动车撞了，骑车的人受伤了，对方不愿意赔",
        "{p}门口车辆剐蹭，双方因为赔偿吵起来了",
        "网格员报告：{p}发生一起两车追尾事故，双方就责任划分存在争议",
        "{p}我的车停在路边被人撞了，对方不承认",
        "{p}一辆货车倒车把三轮车碰翻了，老人摔伤",
    ), (
        "{p}转角那里一辆出租车把骑摩托的{who}挂倒了，司机说是他自己摔的",
        "{p}下坡的地方两台车亲上了，现在堵在路中间扯皮",
        "{p}路段发生机动车与非机动车碰擦，非机动车驾驶人腿部受伤，双方对赔付金额分歧较大",
        "我的车在{p}停得好好的，后视镜被人刮掉了，监控拍到了车牌他就是不认",
    )),
    "divorce": ("marriage_family.divorce", ANY, (
        "{p}有对夫妻天天吵架，男的还动手打老婆",
        "{p}的{who}夫妻闹离婚，为孩子抚养权争执不下",
        "网格员走访：{p}一户家庭因感情不和要求离婚，双方就财产分割发生争执",
        "{p}邻居家两口子半夜吵闹，女的一直在哭，担心有家暴",
        "我住{p}，我老公赌博欠债，我想离婚他不同意，还威胁我",
    ), (
        "{p}那户夫妻闹离婚，天天吵架，男的还打人",
        "{p}楼上两口子又干仗了，砸东西的声音好吓人，婆娘在喊救命",
        "{who}和她男人分开住半年了，现在为了那套房子写谁的名字闹得不可开交",
        "{p}一对配偶因长期感情破裂欲解除婚姻关系，在子女随谁生活问题上存在分歧",
        "我在{p}住，跟娃儿他爸过不下去了，他一喝酒就摔东西，我想分开他不肯",
    )),
    "field_boundary": ("forest_land", RURAL, (
        "{p}两户村民为承包地的田坎边界吵起来了",
        "{p}有人砍了我家山林里的树，说是他家的林地",
        "网格员调解：{p}村民因土地承包经营权边界不清发生纠纷",
        "{p}邻居把田边往我家地里挪了一米多，种上了庄稼",
        "{p}村里两家人为了一块山坡地的归属争了好几年",
    ), (
        "{p}两家人为承包地的边界吵了起来，差点动手",
        "{p}{who}把我屋头那块坡地上的竹子全砍了，说那一片本来是他们队上的",
        "我在{p}，我家那块水田的界石被人挖了，隔壁往里头多犁了两垄",
        "{p}两组村民就集体林权四至范围认定存在分歧，曾多次发生口角",
        "{p}那片橘子林到底归哪家，两兄弟从去年扯到今年",
    )),
    "land_requisition": ("land_requisition", RURAL, (
        "{p}征地补偿款一直没发到位，村民意见很大",
        "{p}拆迁安置房迟迟不交房，我们在外面租房好几年了",
        "网格员反映：{p}部分被征收户对补偿标准有异议，拒绝搬迁",
        "{p}拆迁时说好的补偿款少给了一部分，找谁都说不清",
        "{p}修路占了我家的地，补偿的钱到现在没见到",
    ), (
        "{p}征地的补偿款到现在还没发，村民都很着急",
        "{p}修高速把我家的菜地占了，说好的赔钱快两年了还没影子",
        "{who}家老房子被推了，说好的还房一直没建好，一家人住在亲戚家",
        "{p}涉及项目用地的部分农户认为青苗及附着物作价过低，与实施单位僵持",
        "{p}那边开发占了我们组的田，钱分到各家的时候少了一截",
    )),
    "sewage": ("pollution", RURAL, (
        "{p}有工厂往河里排污水，河水都变黑了，鱼死了不少",
        "{p}附近的养猪场粪水直接排到沟里，臭得不得了",
        "网格员巡查发现：{p}一企业疑似偷排工业废水，排口有异味",
        "{p}旁边的厂子晚上冒黑烟，呛得人喘不过气",
        "{p}洗车店的污水直接流到路上",
    ), (
        "{p}有厂子往河里排污水，河水臭得很",
        "{p}那个砖厂夜里偷偷放水进溪沟，水面上一层白沫子",
        "{who}家的猪圈冲出来的脏水顺着田沟流进了我家鱼塘",
        "{p}某加工作坊生产废液未经处理直接外排，下游水体浑浊发臭",
        "{p}河边那个石料场的泥浆水天天往河里放，河水黄得跟泥巴一样",
    )),
}  # fmt: skip

WHO = (
    "老张", "刘阿姨", "王某某", "302的住户", "姓陈的那家", "李大爷", "赵师傅", "对门那户人家",
    "周某", "一个姓黄的", "杨嬢嬢", "吴老师", "何老板", "邓某", "那个开面馆的", "孙婆婆",
    "六楼的小伙子", "罗某某", "唐姐", "曾大爷",
)  # fmt: skip
PEOPLE = ("十几", "二十", "30", "四十多", "12", "二十几", "8", "五十")
MONEY = ("三万块", "两万元", "15000元", "八千", "5万多", "四万二", "12万", "六千块")


@dataclass
class Item:
    key: int  # position in time order
    matter: str  # reports sharing a matter are duplicates of each other
    kind: str  # report | earlier (the same matter at the same place weeks before)
    split: str  # train | heldout
    description: str
    lon: float
    lat: float
    at: datetime
    category: str  # what a cleaner would choose
    given_category: str | None  # what a grid worker filed it under, if they did
    channel: str
    voice: str  # resident | guard | grid_worker | official


def _voice(text: str) -> str:
    if text.startswith(("网格员", "经", "据", "巡查", "检查")) or "存在" in text:
        return "grid_worker"
    if "保安" in text[:6] or "门岗" in text[:4] or "值班" in text[:4]:
        return "guard"
    return "resident"


def _place_phrase(rng: random.Random, name: str, kind: str) -> str:
    if kind == "estate":
        building, unit = rng.randint(1, 24), rng.randint(1, 4)
        return rng.choice(
            (name, name, f"{name}{building}栋", f"{name}{building}号楼", f"{name}{building}栋{unit}单元",
             "我们小区", f"{name}小区" if not name.endswith(("小区", "社区")) else name,
             f"{name}{building}幢", f"{name}大门口")
        )  # fmt: skip
    if kind == "street":
        number = rng.randint(2, 180)
        return rng.choice(
            (name, f"{name}{number}号", f"{name}旁边", f"{name}附近", f"{name}对面", "这条街上")
        )
    group = rng.randint(1, 9)
    return rng.choice((name, f"{name}{group}组", "我们村", f"{name}{group}社"))


def _jitter(rng: random.Random, lon: float, lat: float, metres: float) -> tuple[float, float]:
    dx, dy = rng.uniform(-metres, metres), rng.uniform(-metres, metres)
    return lon + dx / METRES_PER_DEG_LON, lat + dy / METRES_PER_DEG_LAT


def _write(rng: random.Random, wording: str, name: str, kind: str) -> str:
    return wording.format(
        p=_place_phrase(rng, name, kind),
        who=rng.choice(WHO),
        n=rng.choice(PEOPLE),
        m=rng.choice(MONEY),
    )


def _reported_then(draft: dict, drafts: list[dict]) -> bool:
    """An old case that fell within days of the same kind of matter at the same place in the
    episode before: a cleaner would call those one matter, so it is left out, not mislabelled."""
    if draft["kind"] != "earlier":
        return False
    place, _, matter = draft["matter"].split("/")[:3]
    return any(
        other["kind"] == "report"
        and other["matter"].split("/")[0] == place
        and other["matter"].split("/")[2] == matter
        and other["matter"] != draft["matter"].removesuffix("/earlier")
        and abs((other["at"] - draft["at"]).total_seconds()) < 10 * 86400
        for other in drafts
    )


def generate() -> list[Item]:
    rng = random.Random(SEED)
    drafts: list[dict] = []
    for name, kind, lon, lat, split in PLACES:
        fits = sorted(m for m, (_, kinds, _, _) in MATTERS.items() if kind in kinds)
        episode_start = START + timedelta(days=rng.uniform(0, 12))
        for episode in range(2):
            for matter in rng.sample(fits, rng.choice((2, 3, 3, 4))):
                category, _, train, heldout = MATTERS[matter]
                bank = train if split == "train" else heldout
                size = rng.choice((1, 1, 2, 2, 3, 3, 4, 4))
                start = episode_start + timedelta(days=rng.uniform(0, 4))
                centre = _jitter(rng, lon, lat, 40)
                group = f"{name}/{episode}/{matter}"
                for wording in rng.sample(bank, min(size, len(bank))):
                    text = _write(rng, wording, name, kind)
                    voice = _voice(wording)
                    drafts.append(
                        {
                            "matter": group,
                            "kind": "report",
                            "split": split,
                            "description": text,
                            "point": _jitter(rng, *centre, 60),
                            "at": start + timedelta(hours=rng.uniform(0, 72)),
                            "category": category,
                            "given_category": category
                            if voice == "grid_worker" and rng.random() < 0.7
                            else None,
                            "channel": "grid_worker" if voice == "grid_worker" else "qr_scan",
                            "voice": voice,
                        }
                    )
                if rng.random() < 0.15:
                    # The same matter at the same place weeks before: an old case, not this one.
                    wording = rng.choice(bank)
                    voice = _voice(wording)
                    drafts.append(
                        {
                            **drafts[-1],
                            "matter": f"{group}/earlier",
                            "kind": "earlier",
                            "description": _write(rng, wording, name, kind),
                            "point": _jitter(rng, *centre, 60),
                            "at": start - timedelta(days=rng.uniform(12, 20)),
                            "given_category": None,
                            "channel": "grid_worker" if voice == "grid_worker" else "qr_scan",
                            "voice": voice,
                        }
                    )
            episode_start += timedelta(days=rng.uniform(20, 35))
    drafts = [d for d in drafts if not _reported_then(d, drafts)]
    drafts.sort(key=lambda d: d["at"])
    return [
        Item(
            key,
            d["matter"],
            d["kind"],
            d["split"],
            d["description"],
            round(d["point"][0], 6),
            round(d["point"][1], 6),
            d["at"],
            d["category"],
            d["given_category"],
            d["channel"],
            d["voice"],
        )
        for key, d in enumerate(drafts)
    ]


def write(items: list[Item], path: Path = PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            row = {**item.__dict__, "at": item.at.isoformat()}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def load(path: Path = PATH) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            row["at"] = datetime.fromisoformat(row["at"]).astimezone(UTC)
            items.append(Item(**row))
    return items


def true_pairs(items: list[Item]) -> set[tuple[int, int]]:
    """(later key, earlier key) for every two reports of one matter."""
    by_matter: dict[str, list[int]] = {}
    for item in items:
        by_matter.setdefault(item.matter, []).append(item.key)
    return {
        (max(a, b), min(a, b))
        for keys in by_matter.values()
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
    }


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    category_accuracy: float
    predicted: int
    true: int
    reports: int


def figures(
    items: list[Item],
    predicted: set[tuple[int, int]],
    categories: dict[int, str | None],
    split: str,
) -> Figures:
    """Duplicate pairs (counted by the later report's split) and top-level category accuracy."""
    keys = {i.key for i in items if i.split == split}
    truth = {p for p in true_pairs(items) if p[0] in keys}
    mine = {p for p in predicted if p[0] in keys}
    hits = len(mine & truth)
    top = lambda code: code.split(".", 1)[0] if code else None  # noqa: E731
    right = sum(1 for i in items if i.key in keys and top(categories.get(i.key)) == top(i.category))
    return Figures(
        round(hits / len(mine), 3) if mine else 0.0,
        round(hits / len(truth), 3),
        round(right / len(keys), 3),
        len(mine),
        len(truth),
        len(keys),
    )


if __name__ == "__main__":
    generated = generate()
    write(generated)
    pairs = true_pairs(generated)
    for split in ("train", "heldout"):
        mine = [i for i in generated if i.split == split]
        keys = {i.key for i in mine}
        print(
            f"{split}: {len(mine)} reports, {sum(1 for p in pairs if p[0] in keys)} true pairs, "
            f"{len({i.matter for i in mine})} matters"
        )
