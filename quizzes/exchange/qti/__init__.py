"""QTI 2.1 content packages (a zip of imsmanifest.xml and one assessmentItem file per question): the format's entry
in the exchange registry; write.py, read.py and xhtml.py (our HTML as QTI's XHTML subset) do the work.

QTI 2.1 items are what Canvas's "QTI .zip" import and Brightspace's question library import take most reliably;
Canvas's QTI 2 path converts choice and text-entry interactions, so our matching and ordering items (valid QTI,
imported by Brightspace and QTI-native systems) may be left out by Canvas. Each item scores itself into SCORE (out of
MAXSCORE, the question's points) with the same rule as our grader; the explanation is a modal feedback shown after
every response and an option's own feedback is shown when that option is picked. The factor travels as a LOM keyword
(`factor-<n>`) in the manifest, as the package's question-bank metadata. No XSD ships in a package on PyPI, so the
reader is strict: it rejects what it does not understand, with the file and line.

Prompts and feedback are written as the HTML our markdown renders to, mapped to QTI's XHTML subset (an element QTI
lacks becomes a div or span), and read back as HTML.
"""

from quizzes.exchange import Format, register
from quizzes.exchange.qti.names import CP, NS, REPORT_NAME
from quizzes.exchange.qti.read import read
from quizzes.exchange.qti.write import HOLDS, WRITERS, holds_every, unit_note, write
from quizzes.exchange.qti.xhtml import qti_html

__all__ = ["CP", "NS", "QTI", "REPORT_NAME", "qti_html"]

QTI = register(
    Format(
        key="qti",
        name="QTI 2.1",
        extension="zip",
        content_type="application/zip",
        holds={kind: HOLDS.get(kind, holds_every) for kind in WRITERS},
        cannot={
            "spot": "QTI 2.1's hottextInteraction could mark lines, but Canvas and Brightspace do not import it, and a "
            "multiple choice over the lines would lose the highlighted snippet",
        },
        notes=(unit_note,),
        write=write,
        read=read,
    )
)
