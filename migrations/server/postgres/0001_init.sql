-- Corridor server, first schema: the reference table of the twelve regions (2015 division).

CREATE TABLE region (
    code     TEXT PRIMARY KEY NOT NULL,
    number   INTEGER NOT NULL UNIQUE,
    name_fr  TEXT NOT NULL,
    name_ar  TEXT NOT NULL
);

INSERT INTO region (code, number, name_fr, name_ar) VALUES
    ('MA-01', 1, 'Tanger-Tétouan-Al Hoceïma', 'طنجة تطوان الحسيمة'),
    ('MA-02', 2, 'L''Oriental', 'الشرق'),
    ('MA-03', 3, 'Fès-Meknès', 'فاس مكناس'),
    ('MA-04', 4, 'Rabat-Salé-Kénitra', 'الرباط سلا القنيطرة'),
    ('MA-05', 5, 'Béni Mellal-Khénifra', 'بني ملال خنيفرة'),
    ('MA-06', 6, 'Casablanca-Settat', 'الدار البيضاء سطات'),
    ('MA-07', 7, 'Marrakech-Safi', 'مراكش آسفي'),
    ('MA-08', 8, 'Drâa-Tafilalet', 'درعة تافيلالت'),
    ('MA-09', 9, 'Souss-Massa', 'سوس ماسة'),
    ('MA-10', 10, 'Guelmim-Oued Noun', 'كلميم واد نون'),
    ('MA-11', 11, 'Laâyoune-Sakia El Hamra', 'العيون الساقية الحمراء'),
    ('MA-12', 12, 'Dakhla-Oued Ed-Dahab', 'الداخلة واد الذهب');
