"""What reads media to draw or render: the master and its segments, loudness, ``preview.mp4`` (:mod:`.preview`) and
``report.html`` (:mod:`.report_html`: decodes the song, seeks thumbnails). The NLE-file exporters, which read only
the plan, are in export/."""
