"""Hand-written bilingual word lists: polarity, negators, intensifiers and contrast words.

Written for nabd (not copied from a published lexicon). Every entry is stored in the
analysis form of :func:`nabd.text.normalize.normalize_for_analysis`, so lookups are exact.
"""

from __future__ import annotations

from nabd.text.normalize import normalize_for_analysis


def word_set(block: str) -> frozenset[str]:
    """The whitespace-separated words of a block, in analysis form."""
    return frozenset(normalize_for_analysis(word) for word in block.split())


POSITIVE_WORDS = word_set(
    """
    ممتاز ممتازه رائع رائعه جميل جميله حلو حلوه زين زينه طيب طيبه كويس كويسه منيح منيحه
    مرتب نظيف نظيفه سريع سريعه افضل احسن عظيم عظيمه مميز مميزه لطيف لطيفه محترم محترمين
    مبدع تحفه خرافي خيالي روعه يجنن يهبل فنان ابداع متعاون متعاونين سلسه سهل مريح مريحه
    انصح انصحكم اشكر شكرا مشكور مشكورين يعطيكم العافيه احب حبيت عجبني عجبتني اعجبني
    استمتعت مبسوط مبسوطين سعيد سعيده راضي راضيه ممتن رايق يستاهل تستاهل الافضل
    نجاح ناجح ناجحه جيد جيده جدير موفق وفقكم بارك مبروك قمه فخم فخامه
    good great excellent amazing awesome love loved lovely nice best perfect fantastic
    wonderful happy helpful friendly thanks thank appreciate appreciated pleasant smooth
    fast quick clean easy comfortable recommend impressed enjoy enjoyed glad kudos
    outstanding brilliant superb polite professional reliable 😍 ❤ 👍 👏 😊 🙏 🥰 😀 😁 🌹
    """
)
NEGATIVE_WORDS = word_set(
    """
    سيء سيئه سيي سييه زفت خايس خايسه تعبان تعبانه وحش وحشه مقرف مقرفه فاشل فاشله
    سخيف رديء رديئه ردي رديه غالي غاليه مبالغ متاخر متاخره تاخير تاخر بطيء بطيئه بطيء
    وسخ وسخه قذر قذره زحمه زحام ازدحام مزدحم سيئين اسوا الاسوا خربان خربانه معطل
    عطلان مشكله مشاكل خساره حرام نصب نصابين حراميه كذب كذابين اهمال مهمل مهملين
    احتيال مزعج مزعجه ازعاج ملل ممل مخيب خيبه للاسف مؤسف مأسف ندمت زعلان زعلانه
    غضبان مستاء استياء شكوى اشتكي ضعيف ضعيفه تعيس بهدله قرف اسوء مافي
    bad worst terrible awful horrible poor rude slow late delayed delay cancelled
    canceled lost broken dirty disappointed disappointing disappointment hate hated
    useless unhelpful problem issue issues fail failed failure never angry annoyed
    frustrated frustrating ridiculous pathetic sucks suck unacceptable waste wasted
    stuck nightmare worse missing refund complaint 😡 😠 👎 😤 😞 😢 😭 💔 🤬
    """
)
# Words that turn the polarity of the next few words: "مو زين", "ما عجبني", "not good".
NEGATORS = word_set(
    """
    ما مو مب مش مهو مهي موب مانيب ماني مابي ميش مش ليس ليست لست لا لم لن بدون غير مافيه
    not no never dont don't didnt didn't doesnt doesn't isnt isn't wasnt wasn't arent
    aren't werent weren't cant can't cannot couldnt couldn't wont won't wouldnt wouldn't
    shouldnt shouldn't nothing nobody none without hardly neither nor
    """
)
INTENSIFIERS = word_set(
    """
    جدا مره مرا كثير كتير قوي بزاف خالص اوي حيل وايد بالمره تماما للغايه اكثر جدًا
    very so really extremely super totally absolutely too incredibly truly completely
    """
)
# Words that open a new clause whose sentiment may differ: "حلو بس غالي", "good but slow".
CONTRAST_WORDS = word_set("لكن لاكن بس بينما الا انما but however although though yet whereas")
NEGATION_SCOPE = 3
