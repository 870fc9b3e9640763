"""What importing the command line costs: the corpus summary is read when a page or file needs it, not before."""
import subprocess
import sys

from etl.schema import dataset
from etl.site import metadata as site_metadata


def test_importing_the_command_line_reads_no_sources_file():
    probe = ("import etl.cli, plugins.china_ai_site; from etl.schema import dataset; "
             "print(dataset.corpus.cache_info().currsize)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"


def test_the_lazy_names_are_the_corpus_values():
    assert dataset.TITLE == dataset.corpus().title == dataset.CORPUS.title
    assert site_metadata.DESCRIPTION == site_metadata.description()
    assert site_metadata.PROVENANCE["source"].endswith("listed in the sources table")
    assert dataset.corpus().articles_phrase() in site_metadata.DESCRIPTION
