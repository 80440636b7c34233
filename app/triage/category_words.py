"""Words that say what kind of matter a report is, grouped into concepts, for the category model.

The evaluation set's training split has a few wordings per kind of matter; a resident, a guard
or a grid worker writing about the same kind of matter uses other words (dialect, official
circumlocutions, everyday names for technical things). A model that learnt only the training
words misses those. So each concept below lists the words people use for one thing, and the
model (app/triage/categorise.py) learns one weight per concept: a word it never saw in training
still counts when its concept did.

Written from general knowledge of Chinese and of 人民调解 work (colloquial, Sichuan usage,
official wording), not from the evaluation set's held-out split. Matched as substrings of the
text without its place names, so a word needs no segmenter to be found; single characters
only where they are telling on their own.
"""

from functools import lru_cache

# (concept, words). A concept is named for what it is, not for a category: the model learns
# which categories each points to (油烟 is pollution, 明火 is gas or fire).
CONCEPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Noise
    ("吵", ("噪音", "噪声", "吵", "闹腾", "扰民", "喧哗", "嘈杂", "声音大", "声音很大", "动静",
            "响声", "轰隆", "咚咚", "砰砰", "哐哐", "震得", "吼", "嚷", "大声", "分贝")),
    ("睡不好", ("睡不着", "睡不好", "睡不了", "没法睡", "无法入睡", "失眠", "吵醒", "影响休息",
                "影响睡眠", "休息不好", "午休", "神经衰弱")),
    ("装修声", ("装修", "装潢", "电钻", "冲击钻", "电锤", "切割机", "砸墙", "打墙", "敲墙", "敲打",
                "敲敲打打", "施工")),
    ("跳舞", ("广场舞", "跳舞", "坝坝舞", "健身操", "舞队", "跳操", "扭秧歌")),
    ("唱歌放音乐", ("音响", "音箱", "放歌", "唱歌", "k歌", "卡拉ok", "ktv", "歌厅", "麦克风",
                    "话筒", "音乐", "放音乐", "外放", "低音炮", "酒吧", "清吧", "夜宵", "划拳",
                    "猜拳", "麻将", "打牌")),
    ("夜里", ("半夜", "深夜", "凌晨", "夜里", "晚上", "夜间", "通宵", "一两点", "十二点")),
    # Water coming through
    ("漏水", ("漏水", "渗水", "滴水", "渗漏", "漏下来", "往下滴", "往下漏", "水渍", "水印", "水迹",
              "返潮", "潮湿", "湿透", "打湿", "湿了", "往下流", "流下来", "泡坏", "泡烂", "淹了",
              "水管爆", "爆管", "防水", "积水")),
    ("屋顶墙面", ("天花板", "吊顶", "顶棚", "房顶", "屋顶", "墙皮", "墙面", "墙角", "发霉", "霉斑",
                  "长霉", "起皮", "掉皮")),
    ("卫生间水管", ("卫生间", "厕所", "洗手间", "浴室", "厨房", "水管", "下水管", "管道", "地漏")),
    # Getting through, light
    ("挡路", ("挡路", "堵路", "堵门", "堵住", "堵在", "挡住", "挡在", "拦住", "占道", "占路",
              "出不去", "进不去", "过不去", "走不了", "进出", "出入", "通行", "通道", "过道",
              "出行", "绕路", "绕道", "挪车", "移车")),
    ("停车", ("车位", "停车", "乱停", "停放", "停在", "占车位", "抢车位", "地锁", "车库", "僵尸车",
              "堵车")),
    ("采光", ("采光", "挡光", "遮光", "光线", "日照", "阳光", "晒不到", "黑黢黢", "太暗")),
    ("围墙院子", ("围墙", "围栏", "栅栏", "砌墙", "修墙", "院子", "院坝", "公共区域", "公共部位",
                  "公共空间", "楼顶", "天台")),
    # Animals
    ("狗", ("狗", "犬", "宠物", "遛狗", "养狗", "狗屎", "狗粪", "拉屎", "撒尿", "狂犬", "吠",
            "拴绳", "牵绳", "猫")),
    ("咬", ("咬", "扑人", "扑过来", "追人", "吓到", "吓哭")),
    ("邻居", ("邻居", "邻里", "隔壁", "对门", "楼上", "楼下", "街坊", "左邻右舍")),
    # Marriage
    ("夫妻", ("夫妻", "两口子", "老公", "老婆", "丈夫", "妻子", "媳妇", "婆娘", "男人", "女人",
              "配偶", "爱人", "前妻", "前夫", "婚姻", "结婚", "彩礼", "嫁妆", "婆婆", "公公")),
    ("离婚", ("离婚", "闹离婚", "分居", "感情不和", "感情破裂", "出轨", "外遇", "小三", "财产分割",
              "分财产", "抚养权", "过不下去")),
    ("家暴", ("家暴", "家庭暴力", "打老婆", "打媳妇", "打妻子", "虐待", "哭喊", "鼻青脸肿")),
    # Elders and children
    ("老人", ("老人", "老年人", "老人家", "老父亲", "老母亲", "老爷子", "老太太", "老大爷",
              "老太婆", "老汉", "婆婆", "爷爷", "奶奶", "外婆", "瘫痪", "卧床", "八十", "七十",
              "九十", "独居", "孤寡")),
    ("子女", ("子女", "儿子", "儿媳", "女儿", "女婿", "儿女", "兄弟", "姐妹", "姊妹", "几个孩子",
              "亲生", "孙子")),
    ("赡养", ("赡养", "养老", "不养", "不管", "没人管", "没人照顾", "无人照料", "照顾", "推诿",
              "推来推去", "互相推", "踢皮球", "生活费", "看病钱", "医药费", "赶出", "不让进门",
              "抚养", "抚养费")),
    ("继承", ("继承", "遗产", "遗嘱", "分家", "老房子", "祖屋")),
    # Building without leave, houses
    ("违建", ("违建", "违章", "违法建设", "违法建筑", "私搭", "乱搭", "乱建", "搭建", "加盖",
              "加层", "加建", "扩建", "搭棚", "彩钢", "阳光房", "铁皮房", "未批先建", "审批",
              "规划许可", "建房", "修房", "盖房", "起房子", "在建")),
    ("宅基地", ("宅基地", "地基", "房屋产权", "产权", "房产证", "房本", "屋基", "房屋", "滴水线")),
    # Property management
    ("物业", ("物业", "物管", "管理处", "物业公司", "业委会", "业主委员会", "开发商")),
    ("物业收费", ("物业费", "停车费", "收费", "乱收费", "涨价", "多收", "公摊", "维修基金",
                  "水电费", "电费", "水费", "押金")),
    ("物业服务", ("电梯", "门禁", "保洁", "绿化", "路灯", "监控", "不作为", "服务差", "不管事",
                  "没人修", "报修", "维修")),
    # Money lent
    ("借钱", ("借钱", "借款", "借了", "借给", "借走", "借条", "欠条", "打了条子", "民间借贷",
              "借贷", "高利贷", "利息", "周转")),
    ("不还", ("不还", "没还", "未还", "赖账", "老赖", "欠钱", "欠款", "还钱", "逾期", "催债",
              "催收", "讨债", "要账", "追债", "躲债", "躲着", "不接电话", "拉黑", "失联", "跑了")),
    # Wages
    ("工钱", ("欠薪", "讨薪", "工资", "工钱", "薪水", "薪资", "劳务费", "血汗钱", "结账", "结算",
              "结工钱", "拖欠", "克扣", "年底", "工时")),
    ("干活的人", ("包工头", "工头", "班组长", "项目部", "施工方", "承包商", "农民工", "民工",
                  "工人", "务工", "打工", "干活", "做工", "上班", "员工", "工友", "老板")),
    ("工地", ("工地", "工程", "项目", "厂里", "工厂", "车间")),
    ("工伤", ("工伤", "摔伤", "砸伤", "受伤住院", "干活受伤", "工地受伤", "手指", "骨折")),
    # Buying and selling
    ("商家", ("商家", "店家", "店铺", "门店", "超市", "健身房", "理发店", "美容院", "美发",
              "培训机构", "培训班", "辅导班", "装修公司", "商场", "卖家", "经营者")),
    ("退钱", ("退款", "退钱", "退费", "退货", "退卡", "退押金", "不退", "售后", "三包", "换货")),
    ("办卡", ("预付卡", "会员卡", "年卡", "充值", "办卡", "储值", "预付", "课时", "套餐")),
    ("骗消费者", ("假货", "质量问题", "以次充好", "缺斤少两", "短斤少两", "宰客", "虚假宣传",
                  "欺诈", "霸王条款", "消费者", "消费", "发票", "过期", "变质", "跑路", "关门",
                  "倒闭", "人去楼空", "联系不上")),
    # Traffic
    ("撞车", ("车祸", "追尾", "撞车", "被撞", "撞了", "撞到", "撞上", "撞伤", "撞倒", "刮蹭",
              "剐蹭", "擦碰", "碰撞", "相撞", "交通事故", "事故", "肇事", "逃逸", "闯红灯", "逆行",
              "刹车", "翻车")),
    ("车", ("轿车", "小车", "私家车", "货车", "摩托", "电动车", "电瓶车", "三轮", "自行车", "司机",
            "驾驶", "骑车", "开车", "车主", "车辆", "面包车")),
    ("定责赔", ("责任认定", "定责", "划分责任", "责任划分", "交警", "保险", "理赔", "定损",
                "修车费", "赔偿", "赔钱", "医药费")),
    # Land and forest
    ("田地山林", ("山林", "林地", "林权", "承包地", "土地承包", "承包经营", "田边", "田坎", "田埂",
                  "地边", "地块", "耕地", "水田", "旱地", "菜地", "责任田", "自留地", "坡地",
                  "山坡", "竹林", "树林", "果树", "砍树", "种树", "庄稼", "秧苗", "农田")),
    ("边界", ("边界", "地界", "界桩", "界石", "界线", "分界", "归属", "确权", "越界", "侵占",
              "多占", "占了我家")),
    ("征地拆迁", ("征地", "拆迁", "征收", "补偿款", "补偿", "安置房", "安置", "拆迁款", "青苗费",
                  "占地", "强拆", "评估", "过渡费")),
    # Dirt, smells, smoke
    ("垃圾", ("垃圾", "乱倒", "乱扔", "乱丢", "乱堆", "堆放", "清运", "没人清", "没人收", "脏乱",
              "脏", "蚊虫", "苍蝇", "蟑螂", "老鼠", "建渣", "渣土")),
    ("臭", ("臭", "恶臭", "异味", "刺鼻", "熏", "呛", "难闻", "味道大", "味道很大")),
    ("油烟", ("油烟", "烧烤", "烤串", "餐馆", "饭馆", "火锅", "大排档", "餐饮", "排烟", "排风",
              "烟道", "炒菜", "馆子", "夜市")),
    ("排污", ("污染", "排污", "污水", "废水", "粪水", "化粪池", "偷排", "排放", "废气", "黑烟",
              "浓烟", "烟囱", "粉尘", "扬尘", "灰尘", "焚烧", "烧垃圾", "烧秸秆", "河水", "水沟",
              "水变黑", "死鱼", "养猪", "猪场", "养殖")),
    # Fire
    ("充电", ("飞线", "充电", "私拉电线", "拉电线", "接线板", "插线板", "电线", "电瓶", "电池",
              "电动车", "电瓶车", "电车")),
    ("火", ("消防", "起火", "着火", "失火", "火灾", "冒烟", "烧起来", "火苗", "灭火器", "消防栓",
            "易燃", "可燃", "烟花", "火警")),
    ("楼道堆物", ("楼道", "楼梯间", "走廊", "安全出口", "消防通道", "疏散", "杂物", "纸箱",
                  "堆满")),
    # Unsafe buildings and facilities
    ("设施破", ("危房", "裂缝", "开裂", "裂开", "墙体", "脱落", "坍塌", "倒塌", "垮塌", "垮了",
                "塌陷", "下沉", "松动", "摇晃", "掉落", "坠落", "高空坠物", "外墙", "护栏", "栏杆",
                "破损", "损坏", "坏了", "缺失", "没了")),
    ("井盖", ("井盖", "窨井", "检查井", "下水道", "盖板", "雨水井", "污水井", "坑", "路面",
              "人行道", "掉下去", "踩空", "绊倒")),
    ("燃气", ("燃气", "煤气", "天然气", "漏气", "液化气", "气罐", "煤气罐", "钢瓶", "气瓶",
              "燃气灶", "灶", "阀门", "臭鸡蛋", "泄漏", "明火", "燃气表", "气味")),
    # Public order
    ("打架", ("打架", "斗殴", "打人", "动手", "打起来", "打伤", "打破", "头破血流", "见血", "流血",
              "群殴", "互殴", "殴打", "扭打", "推搡", "拳头", "酒瓶")),
    ("治安", ("盗窃", "偷", "小偷", "扒手", "被盗", "抢", "敲诈", "勒索", "诈骗", "骗子", "赌博",
              "赌钱", "醉酒", "喝醉", "酒疯", "闹事", "寻衅", "滋事", "耍横", "持刀", "拿刀",
              "报警", "派出所", "警察", "民警", "110", "流氓", "骚扰", "吸毒", "可疑")),
)  # fmt: skip


# Word → its concepts, and the lengths words come in: a text's concepts are then found by
# looking up its few substrings of those lengths (about 0.016 ms for a report) instead of
# searching the text for each of 810 words (about 0.06 ms, more than naive Bayes itself).
_CONCEPTS_OF: dict[str, list[str]] = {}
for _name, _words in CONCEPTS:
    for _word in _words:
        _CONCEPTS_OF.setdefault(_word, []).append(_name)
_LENGTHS = sorted({len(word) for word in _CONCEPTS_OF})
# A word can only start where its first character is: most of a text's characters start none,
# and are passed over with one set lookup instead of one lookup per length.
_FIRSTS = frozenset(word[0] for word in _CONCEPTS_OF)
_ORDER = {name: number for number, (name, _) in enumerate(CONCEPTS)}
_WORDS = dict(CONCEPTS)


@lru_cache(maxsize=8192)
def concepts_in(text: str) -> tuple[str, ...]:
    """The concepts whose words occur in `text` (already without place names, lower case), in
    the order of CONCEPTS. Kept per process: a category is suggested from a text's features
    and then asked whether it knew any of its words."""
    found: set[str] = set()
    for start, first in enumerate(text):
        if first not in _FIRSTS:
            continue
        for length in _LENGTHS:
            names = _CONCEPTS_OF.get(text[start : start + length])
            if names:
                found.update(names)
    return tuple(sorted(found, key=_ORDER.__getitem__))


def written_word(text: str, name: str) -> str:
    """The longest word of concept `name` that `text` uses: what a cleaner is shown."""
    return max((word for word in _WORDS[name] if word in text), key=len)
