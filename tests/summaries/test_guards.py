"""Tests for bot.summaries.guards: placeholders, assistant residue and absent names are caught
in a model's analysis, faithful summaries of real papers are left alone, and dropping works."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from support.paperkit import TALKLORA_ABSTRACT, TALKLORA_SECTIONS, analysis_for
from support.paths import PDFS

from bot.papers.models import Analysis, FullText, PaperId, PaperMeta
from bot.papers.pdf_text import read_pdf
from bot.papers.sections import first_page_text, split_sections
from bot.summaries.extractive import extractive_analysis
from bot.summaries.guards import (
    NOT_STATED,
    Problem,
    describe,
    drop_offending,
    find_problems,
    split_sentences,
)

WHEN = datetime(2017, 12, 16, tzinfo=UTC)

RESNET = PaperMeta(
    id=PaperId(base="1512.03385", version=1),
    title="Deep Residual Learning for Image Recognition",
    authors=("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
    abstract="Deeper neural networks are more difficult to train. We present a residual "
    "learning framework to ease the training of networks that are substantially deeper than "
    "those used previously.",
    primary_category="cs.CV",
    published=WHEN,
    updated=WHEN,
)
TACOTRON = PaperMeta(
    id=PaperId(base="1712.05884", version=2),
    title="Natural TTS Synthesis by Conditioning WaveNet on Mel Spectrogram Predictions",
    authors=(
        "Jonathan Shen",
        "Ruoming Pang",
        "Ron J. Weiss",
        "Mike Schuster",
        "Navdeep Jaitly",
        "Zongheng Yang",
        "Zhifeng Chen",
        "Yu Zhang",
        "Yuxuan Wang",
        "RJ Skerry-Ryan",
        "Rif A. Saurous",
        "Yannis Agiomyrgiannakis",
        "Yonghui Wu",
    ),
    abstract="This paper describes Tacotron 2, a neural network architecture for speech "
    "synthesis directly from text.",
    primary_category="cs.CL",
    published=WHEN,
    updated=WHEN,
)

RESNET_EN: dict[str, Any] = {
    "summary": "ResNet eases training of very deep networks by learning residual functions.",
    "takeaways": [
        "Layers are reformulated as learning residual functions with reference to the layer "
        "inputs, instead of unreferenced functions.",
        "Identity shortcut connections add neither extra parameters nor computational complexity.",
        "On ImageNet, residual nets of up to 152 layers are 8× deeper than VGG nets but still "
        "have lower complexity.",
        "An ensemble of residual nets reaches 3.57% top-5 error on the ImageNet test set and won "
        "1st place in the ILSVRC 2015 classification task.",
        "Plain 34-layer nets have higher training error than 18-layer ones (the degradation "
        "problem), while ResNet-34 beats ResNet-18.",
        "On CIFAR-10, models with over 100 and 1000 layers are explored.",
        "Deep residual features give a 28% relative improvement on the COCO detection dataset.",
    ],
    "title_translation": "",
    "affiliation": "Microsoft Research",
    "keywords": ["residual learning", "deep networks", "ImageNet", "shortcut connections"],
    "background": "Deeper convolutional networks have led to breakthroughs in image "
    "classification, but they are more difficult to train.",
    "past_methods": "VGG nets and GoogLeNet showed that depth matters. Simply stacking more "
    "layers leads to the degradation problem: accuracy saturates and then degrades. Highway "
    "networks use gated shortcuts that have parameters.",
    "method": "Each block learns a residual mapping F(x) and adds its input through an identity "
    "shortcut. Bottleneck blocks of 1×1, 3×3 and 1×1 convolutions build the 50-, 101- and "
    "152-layer nets. Batch normalization (BN) follows each convolution.",
    "performance": "ResNet-152 reaches 4.49% single-model top-5 validation error on ImageNet. "
    "On COCO, Faster R-CNN with ResNet-101 improves mAP over VGG-16.",
    "method_steps": [
        "Stack 3×3 convolutional layers as in VGG nets.",
        "Insert identity shortcut connections every two layers.",
        "Use projection shortcuts when dimensions increase.",
        "Train with SGD and a mini-batch size of 256.",
    ],
    "significance": "He et al. show that residual learning makes networks of over 100 layers "
    "trainable and improves accuracy with depth.",
    "innovation": "Residual learning with identity shortcuts, as proposed by Kaiming He and "
    "Jian Sun.",
    "performance_assessment": "3.57% top-5 error on the ImageNet test set.",
    "workload": NOT_STATED,
}

TACOTRON_ZH: dict[str, Any] = {
    "summary": "Tacotron 2 用预测的梅尔频谱驱动 WaveNet 声码器，合成接近真人的语音。",
    "takeaways": [
        "系统由循环的序列到序列特征预测网络和修改版 WaveNet 声码器组成。",
        "模型的平均意见得分（MOS）为 4.53，专业录音为 4.58。",
        "以梅尔频谱作为中间表示可以显著缩小 WaveNet 的规模。",
        "Shen等人在包含24.6小时语音的内部美式英语数据集上训练。",
        "论文与 Griffin-Lim、参数合成和拼接合成等基线进行了比较。",
    ],
    "title_translation": "通过以梅尔频谱预测为条件的 WaveNet 实现自然的 TTS 合成",
    "affiliation": "Google, Inc.",
    "keywords": ["语音合成", "WaveNet", "梅尔频谱", "Tacotron 2"],
    "background": "从文本生成自然语音（TTS）经过数十年研究仍然具有挑战性。",
    "past_methods": "Griffin-Lim 算法会产生特有的伪影。原始 WaveNet 需要语言特征、时长和 F0 "
    "等复杂输入。",
    "method": "编码器将字符序列转换为隐藏特征表示，带位置敏感注意力的 LSTM 解码器预测梅尔频谱帧，"
    "再由 WaveNet 生成时域波形。",
    "performance": "MOS 达到 4.53，对比 Tacotron 和 Deep Voice 3 等系统。",
    "method_steps": [
        "将字符嵌入输入编码器。",
        "用带注意力的解码器预测梅尔频谱。",
        "用修改版 WaveNet 把梅尔频谱转换为波形。",
    ],
    "significance": "证明了端到端神经语音合成可以接近真人录音的自然度。",
    "innovation": "以梅尔频谱作为 Tacotron 与 WaveNet 之间的中间表示。",
    "performance_assessment": "MOS 4.53，对比真人录音 4.58。",
    "workload": "在单个专业女声的 24.6 小时语音上训练。",
}


def fixture_text(name: str) -> str:
    path = PDFS / name
    if not path.is_file():
        pytest.skip(f"fixture {name} not available")
    return "\n".join(read_pdf(path.read_bytes()).pages)


@pytest.fixture(scope="module")
def resnet_text() -> str:
    return fixture_text("1512.03385v1.pdf")


@pytest.fixture(scope="module")
def tacotron_text() -> str:
    return fixture_text("1712.05884v2.pdf")


def with_(base: dict[str, Any], **changes: Any) -> Analysis:
    return Analysis(**(base | changes))


def test_a_faithful_english_summary_of_resnet_has_no_problems(resnet_text: str) -> None:
    assert find_problems(Analysis(**RESNET_EN), RESNET, resnet_text) == ()


def test_a_faithful_chinese_summary_of_tacotron_2_has_no_problems(tacotron_text: str) -> None:
    assert find_problems(Analysis(**TACOTRON_ZH), TACOTRON, tacotron_text) == ()


@pytest.mark.parametrize(
    "name",
    [
        "1111.2011v2.pdf",
        "1512.03385v1.pdf",
        "1712.05884v2.pdf",
        "2206.10883v3.pdf",
        "2501.10120v1.pdf",
    ],
)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_sentences_taken_from_real_papers_are_never_flagged(name: str, language: str) -> None:
    """The extractive summary quotes the paper: every name in it is the paper's own."""
    path = PDFS / name
    if not path.is_file():
        pytest.skip(f"fixture {name} not available")
    pdf = read_pdf(path.read_bytes())
    text = FullText(
        source="pdf", sections=split_sections(pdf.pages), first_page=first_page_text(pdf.pages)
    )
    meta = RESNET.model_copy(update={"title": pdf.pages[0].splitlines()[0], "authors": ()})
    analysis = extractive_analysis(meta, text, language)
    assert len(analysis.takeaways) >= 3
    assert find_problems(analysis, meta, text) == ()


@pytest.mark.parametrize(
    ("field", "sentence", "found"),
    [
        ("method", "We adopt XXXX to stack residual blocks.", "XXXX"),
        ("method", "本文采用了XXXX方法来训练深层网络。", "XXXX"),
        ("background", "The model is trained on xxx images.", "xxx"),
        ("innovation", "Proposed by [Your Name] at Microsoft Research.", "[Your Name]"),
        ("method", "The <method> module learns residual functions.", "<method>"),
        ("performance", "It reaches {metric} on ImageNet.", "{metric}"),
        ("past_methods", "本文采用了……来解决退化问题。", "……"),
        ("method", "Residual blocks use the ... to add inputs.", "the ..."),
    ],
)
def test_placeholders_are_caught(resnet_text: str, field: str, sentence: str, found: str) -> None:
    faithful = RESNET_EN[field]
    analysis = with_(RESNET_EN, **{field: f"{faithful} {sentence}"})
    problems = find_problems(analysis, RESNET, resnet_text)
    assert problems == (Problem(field, None, sentence, "placeholder", found),)


@pytest.mark.parametrize(
    "sentence",
    [
        "I hope this summary helps you understand the paper.",
        "As an AI language model, I cannot judge the novelty.",
        "Let me know if you need more details.",
        "Here is the summary of the paper.",
        "If you have further questions, feel free to ask.",
        "希望以上总结符合您的要求。",
        "以上是对这篇论文的分析。",
        "如有需要，可以进一步展开。",
        "作为一个AI，我无法评价这项工作。",
    ],
)
def test_assistant_residue_is_caught(resnet_text: str, sentence: str) -> None:
    analysis = with_(RESNET_EN, significance=f"{RESNET_EN['significance']} {sentence}")
    (problem,) = find_problems(analysis, RESNET, resnet_text)
    assert (problem.field, problem.sentence, problem.kind) == ("significance", sentence, "residue")


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("Vaswani et al. proposed the bottleneck design.", "Vaswani et al."),
        ("The idea was first suggested by Ashish Vaswani in 2012.", "Ashish Vaswani"),
        ("It outperforms DenseNet-264 on ImageNet.", "DenseNet-264"),
        ("Residual blocks are trained on the JFT-300M dataset.", "JFT-300M"),
        ("该方法由Vaswani等人提出。", "Vaswani等人"),
        ("ResNet 在 OpenImages 上也超过了 EfficientNet。", "OpenImages"),
    ],
)
def test_names_absent_from_the_paper_are_caught(
    resnet_text: str, sentence: str, found: str
) -> None:
    analysis = with_(RESNET_EN, past_methods=f"{RESNET_EN['past_methods']} {sentence}")
    (problem,) = find_problems(analysis, RESNET, resnet_text)
    assert (problem.field, problem.sentence, problem.kind, problem.found) == (
        "past_methods",
        sentence,
        "name",
        found,
    )


def test_a_swapped_dataset_in_a_takeaway_is_caught_with_its_index(tacotron_text: str) -> None:
    takeaways = list(TACOTRON_ZH["takeaways"])
    takeaways[1] = "模型在 LibriTTS 上的 MOS 为 4.53。"
    problems = find_problems(with_(TACOTRON_ZH, takeaways=takeaways), TACOTRON, tacotron_text)
    assert problems == (Problem("takeaways", 1, takeaways[1], "name", "LibriTTS"),)
    assert describe(problems) == 'name "LibriTTS" in takeaways'


def test_names_cited_in_the_paper_or_its_metadata_are_grounded(resnet_text: str) -> None:
    grounded = "Szegedy et al. is cited. So is Geoffrey Hinton. Zhang et al. show it scales."
    analysis = with_(RESNET_EN, significance=grounded)
    assert find_problems(analysis, RESNET, resnet_text) == ()
    only_meta = [p for p in find_problems(analysis, RESNET, "") if p.field == "significance"]
    assert [p.found for p in only_meta] == ["Szegedy et al.", "Geoffrey Hinton"]  # not Zhang


def test_drop_offending_removes_exactly_the_offending_sentences(resnet_text: str) -> None:
    takeaways = [*RESNET_EN["takeaways"][:3], "I hope this summary helps.", "XXXX."]
    analysis = with_(
        RESNET_EN,
        method=f"{RESNET_EN['method']} Let me know if you need more.",
        workload="As an AI, I cannot estimate the workload.",
        takeaways=takeaways,
        keywords=["residual learning", "[keyword]", "ImageNet"],
        method_steps=["Use the <method> block."],
        title_translation="XXXX",
    )
    problems = find_problems(analysis, RESNET, resnet_text)
    assert {(p.field, p.index) for p in problems} == {
        ("title_translation", None),
        ("method", None),
        ("workload", None),
        ("takeaways", 3),
        ("takeaways", 4),
        ("keywords", 1),
        ("method_steps", 0),
    }
    cleaned = drop_offending(analysis, problems)
    assert cleaned.method == RESNET_EN["method"]
    assert cleaned.workload == NOT_STATED
    assert cleaned.title_translation == ""
    assert cleaned.takeaways == RESNET_EN["takeaways"][:3]
    assert cleaned.keywords == ["residual learning", "ImageNet"]
    assert cleaned.method_steps == [NOT_STATED]
    assert cleaned.summary == RESNET_EN["summary"]
    assert find_problems(cleaned, RESNET, resnet_text) == ()


def test_drop_offending_keeps_the_rest_of_a_chinese_field(tacotron_text: str) -> None:
    method = TACOTRON_ZH["method"] + "希望以上总结符合您的要求。"
    analysis = with_(TACOTRON_ZH, method=method)
    cleaned = drop_offending(analysis, find_problems(analysis, TACOTRON, tacotron_text))
    assert cleaned.method == TACOTRON_ZH["method"]


def test_drop_offending_without_problems_changes_nothing() -> None:
    analysis = Analysis(**RESNET_EN)
    assert drop_offending(analysis, ()) is analysis


def test_sentences_split_on_stops_but_not_on_et_al_or_decimals() -> None:
    text = "He et al. reach 3.57% error. Fig. 4 shows it! 论文提出残差学习。效果很好。"
    assert split_sentences(text) == [
        "He et al. reach 3.57% error.",
        "Fig. 4 shows it!",
        "论文提出残差学习。",
        "效果很好。",
    ]


def test_an_acronym_of_words_the_paper_writes_is_not_a_substituted_name() -> None:
    meta = RESNET.model_copy(update={"title": "TalkLoRA", "authors": ("Jack Saunders",)})
    text = "TalkLoRA reaches a lip vertex error of 3.2 mm against 3.9 mm for FaceFormer."
    analysis = with_(RESNET_EN, performance="LVE 3.2 mm vs 3.9 mm (FaceFormer).")
    assert [p for p in find_problems(analysis, meta, text) if p.field == "performance"] == []
    swapped = with_(RESNET_EN, performance="WER 3.2 mm vs 3.9 mm (FaceFormer).")
    (problem,) = [p for p in find_problems(swapped, meta, text) if p.field == "performance"]
    assert problem.found == "WER"


def test_the_fake_models_talklora_analysis_is_clean() -> None:
    """The analysis every pipeline test gets from FakeGemini passes the guards unchanged."""
    meta = RESNET.model_copy(
        update={
            "title": "TalkLoRA: Low-Rank Adaptation for Speech-Driven Animation",
            "authors": ("Jack Saunders", "Vinay Namboodiri"),
            "abstract": TALKLORA_ABSTRACT,
        }
    )
    text = "\n".join(f"{heading}\n{' '.join(body)}" for heading, body in TALKLORA_SECTIONS)
    for prompt in ("in English", "in Chinese"):
        assert find_problems(Analysis(**analysis_for(prompt)), meta, text) == ()


def test_a_dropped_takeaway_takes_its_evidence_quote_with_it(tacotron_text: str) -> None:
    takeaways = list(TACOTRON_ZH["takeaways"])
    takeaways[1] = "模型在 LibriTTS 上的 MOS 为 4.53。"
    quotes = [f"quote {i}" for i in range(len(takeaways))]
    analysis = with_(TACOTRON_ZH, takeaways=takeaways, takeaway_quotes=quotes)
    dropped = drop_offending(analysis, find_problems(analysis, TACOTRON, tacotron_text))
    assert takeaways[1] not in dropped.takeaways
    assert dropped.takeaway_quotes == [q for i, q in enumerate(quotes) if i != 1]
