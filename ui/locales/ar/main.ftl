# Corridor — العربية (من اليمين إلى اليسار).
app-name = كوريدور
nav-label = التنقل الرئيسي
nav-home = الرئيسية
nav-cases = الملفات
nav-enterprises = المقاولات
nav-meetings = الاجتماعات
nav-committee = اللجنة
nav-settings = الإعدادات
language = اللغة
lock = قفل
lock-title = قفل الخزنة المحلية (تبقى بياناتك محفوظة)
not-signed-in = غير متصل بحساب
sync-online = متصل
sync-offline = غير متصل
sync-syncing = جارٍ المزامنة…
sync-error = خطأ في المزامنة
sync-now = مزامنة الآن
sync-pending = { $count } في الانتظار
sync-received = تم استلام { $count }
sync-progress = تقدّم الاستلام
sync-never = لم تتم المزامنة بعد
sync-last = آخر مزامنة: { $when }
revoked = ألغى المسؤول ترخيص هذا الجهاز: تم مسح بياناته المحلية.
unlock-create-title = إنشاء خزنتك المحلية
unlock-title = فتح الخزنة المحلية
unlock-create-hint = ملفاتك مشفرة على هذا الجهاز. اختر عبارة مرور من 8 أحرف على الأقل: ستُطلب منك عند كل فتح.
unlock-hint = أدخل عبارة مرور هذا الجهاز للوصول إلى ملفاتك.
unlock-automatic = فتح تلقائي…
unlock-automatic-locked = هذا الجهاز يحفظ مفتاحه: اترك الحقل فارغًا واختر «فتح».
passphrase = عبارة المرور
passphrase-confirm = أكّد عبارة المرور
passphrase-mismatch = عبارتا المرور غير متطابقتين.
settings-passphrase = عبارة مرور الخزنة المحلية
passphrase-current = عبارة المرور الحالية
passphrase-new = عبارة المرور الجديدة (8 أحرف على الأقل)
passphrase-change = تغيير عبارة المرور
passphrase-changed = تم تغيير عبارة المرور. ستُطلب عند فتح القفل القادم.
unlock-create = إنشاء الخزنة
unlock-submit = فتح
unlock-keyring = استعمال سلسلة مفاتيح النظام
auto-locked = تم القفل بعد فترة خمول. بياناتك محفوظة.
home-title = الرئيسية
home-notices = مستجدات تخصك
notice-assigned = ملف أسند إليك
notice-deadline_near = أجل قريب
notice-deadline_breached = أجل متجاوز
home-my-cases = ملفاتي
home-deadlines = آجالي القريبة أو المتجاوزة
home-sync = بانتظار المزامنة · المرفوضة · التعارضات
home-pending = تعديلات في انتظار الإرسال: { $count }
home-conflicts = تعارضات يجب حسمها: { $count }
home-refused = تعديلات رفضها الخادم: { $count }
home-no-cases = لا يوجد ملف مسند إليك.
home-no-deadlines = لا توجد آجال قريبة.
home-sign-in-hint = سجّل الدخول إلى خادم الممر في الإعدادات لتلقي ملفات جهاتك.
cases-title = الملفات
cases-count = { $count ->
    [zero] لا ملفات
    [one] ملف واحد
    [two] ملفان
    [few] { $count } ملفات
   *[other] { $count } ملفًا
}
cases-new = ملف جديد
cases-empty = لا توجد ملفات حاليا. انقر على «ملف جديد» لتسجيل طلب مشغّل.
cases-none-match = لا يوجد ملف يطابق هذه المرشحات.
loading = جارٍ التحميل…
col-reference = المرجع
col-title = العنوان
col-enterprise = المقاولة
col-category = الفئة
col-status = الحالة
col-priority = الأولوية
col-region = الجهة
col-opened = تاريخ الفتح
col-assignees = المكلفون
filter-all = الكل
filter-status = الحالة
filter-region = الجهة
filter-category = الفئة
filter-priority = الأولوية
filter-sla = الآجال
filter-assignee = المكلف
filter-tag = الوسم
filter-clear = مسح المرشحات
sort = الترتيب
sort-newest = الأحدث
sort-oldest = الأقدم
sort-priority = الأولوية
sort-reference = المرجع
sort-title = العنوان
sla-band-breached = متجاوزة
sla-band-near = قريبة
sla-band-ok = في الآجال
keyboard-hint = ↑↓ أو j/k للتنقل، مفتاح الإدخال للفتح
new-case-title = ملف جديد
new-case-ice = المعرف الموحد للمقاولة (ICE)
new-case-enterprise = الاسم التجاري (إذا كانت مقاولة جديدة)
new-case-description = الوصف
new-case-enterprise-legend = المقاولة
new-case-find = البحث عن مقاولة معروفة (الاسم، ICE، المدينة)
new-case-or-new = أو، لمقاولة جديدة، أدخل رقم ICE والاسم التجاري والجهة:
new-case-change = تغيير
ice-incomplete = { $n } أرقام من 15
ice-valid = رقم ICE صحيح
ice-bad-format = يتكون رقم ICE من 15 رقمًا بالضبط.
ice-bad-checksum = مفتاح التحقق غير مطابق: تحقق من الإدخال.
save = حفظ
cancel = إلغاء
case-back = العودة إلى الملفات
case-provisional = مرجع مؤقت (سيأتي المرجع النهائي من الخادم)
case-amount = المبلغ
case-no-amount = لا يوجد مبلغ
case-cgem = CGEM
case-cnss = CNSS
case-unassigned = غير مسند
case-deadlines = الآجال
case-actions = الإجراءات الممكنة
case-no-actions = لا يوجد إجراء متاح لك على هذا الملف في هذه المرحلة.
case-pending = تعديلات في انتظار الإرسال إلى الخادم
case-timeline = التسلسل الزمني
case-tags = الوسوم
case-links = ملفات مرتبطة
case-children = ملفات فرعية
case-attachments = المرفقات
case-no-attachments = لا توجد مرفقات.
size-kb = { $kb } ك.ب
attachment-add = إضافة ملفات
attachment-drop = أو اسحبها وأفلتها هنا
attachment-adding = جارٍ الإضافة…
attachment-open = فتح
attachment-open-named = فتح { $name }
attachment-opened = فُتح الملف بتطبيق النظام.
attachment-save = حفظ نسخة
attachment-saved = حُفظت النسخة: { $path }
attachment-save-title = حفظ نسخة من المرفق
case-no-tags = لا توجد وسوم.
tag-new = وسم جديد
tag-add = إضافة
tag-remove = إزالة الوسم { $tag }
case-no-links = لا توجد ملفات مرتبطة.
link-parent = الملف الأصلي
link-related = ملفات ذات صلة
link-other = مرجع الملف المراد ربطه
link-as-parent = هذا هو الملف الأصلي لهذا الملف
link-submit = ربط
case-description = الوصف
case-assign = إسناد
transition-reason = السبب
transition-confirm = تأكيد
transition-reason-hint = يُطلب سبب لهذا التغيير.
note-label = ملاحظة جديدة
note-visibility = الظهور
note-submit = إضافة الملاحظة
conflicts-title = تعارضات يجب حسمها
conflict-field = الحقل «{ $field }» عُدّل مرتين
conflict-current = القيمة الحالية
conflict-proposed = القيمة المقترحة من { $author }
conflict-keep-current = الإبقاء على الحالية
conflict-keep-proposed = اعتماد المقترحة
event-created = فُتح الملف
event-status = الحالة: { $from } ← { $to }
event-assigned = المكلف ({ $side }): { $to }
event-edited = تم التعديل: { $fields }
event-tagged-detail = الوسوم: { $changes }
event-attachment = مرفق: { $name }
event-decision = قرار اجتماع
event-linked = ملف مرتبط
event-linked-parent = تم تحديد الملف الأصلي
event-conflict = حُسم التعارض حول «{ $field }»
event-note = ملاحظة
sla-response = الرد الأول
sla-resolution = الحل
sla-due = الأجل { $when }
sla-paused = الآجال معلقة (في انتظار المشغّل)
case-not-found = الملف غير موجود على هذا الجهاز.
case-assign-hint = اسم مستخدم الشخص (فارغ للإزالة)
saved = تم الحفظ على هذا الجهاز.
case-edit = تعديل الملف
case-amount-mad = المبلغ (درهم)
field-title = العنوان
field-description = الوصف
field-amount_centimes = المبلغ
field-priority = الأولوية
field-category = الفئة
field-cgem_assignee = المكلف من CGEM
field-cnss_assignee = المكلف من CNSS
colon = :{" "}
settings-lock = القفل التلقائي
page-prev = الصفحة السابقة
page-next = الصفحة التالية
enterprises-count = { $count ->
    [zero] لا مقاولات
    [one] مقاولة واحدة
    [two] مقاولتان
    [few] { $count } مقاولات
   *[other] { $count } مقاولة
}
enterprises-search = البحث بالاسم أو ICE أو المدينة أو جهة الاتصال
enterprises-empty = لا توجد مقاولات. تصل مع المزامنة أو مع ملف جديد.
enterprise-name = الاسم التجاري
enterprise-cnss = رقم الانخراط في CNSS
enterprise-city = المدينة
enterprise-back = العودة إلى المقاولات
enterprise-ice = ICE
enterprise-rc = السجل التجاري
enterprise-legal-form = الشكل القانوني
enterprise-sector = القطاع
enterprise-size = الحجم
enterprise-cgem-member = عضو في الاتحاد العام لمقاولات المغرب
enterprise-cases = الملفات
enterprise-no-cases = لا توجد ملفات لهذه المقاولة.
enterprise-contacts = جهات الاتصال
enterprise-no-contacts = لا توجد جهات اتصال مسجلة.
enterprise-edit = تعديل البطاقة
contact-legend = جهة الاتصال
contact-name = اسم جهة الاتصال
contact-role = الصفة
contact-phone = الهاتف
contact-email = البريد الإلكتروني
contact-add = إضافة جهة اتصال
contact-remove = حذف جهة الاتصال هذه
size-tpe = مقاولة صغيرة جدًا
size-pme = مقاولة صغيرة أو متوسطة
size-ge = مقاولة كبيرة
yes = نعم
no = لا
import-title = استيراد مقاولات (CSV)
import-hint = الأعمدة: name وice وregion (إلزامية)، وcnss وrc وcity وsize؛ الفاصل فاصلة أو فاصلة منقوطة، بترميز UTF-8. لا يُستورد شيء ما دام سطر مرفوضًا.
import-pick = اختيار ملف CSV
import-summary = { $file }: { $lines } أسطر، { $errors } مرفوضة
import-line = السطر
import-verdict = التحقق
import-ok = جاهز للاستيراد
import-confirm = { $count ->
    [zero] لا شيء للاستيراد
    [one] استيراد المقاولة
    [two] استيراد المقاولتين
    [few] استيراد { $count } مقاولات
   *[other] استيراد { $count } مقاولة
}
import-done = { $count ->
    [zero] لم تُستورد أي مقاولة.
    [one] استُوردت مقاولة واحدة.
    [two] استُوردت مقاولتان.
    [few] استُوردت { $count } مقاولات.
   *[other] استُوردت { $count } مقاولة.
}
export-csv = تصدير (CSV)
export-xlsx = تصدير (Excel)
export-done = حُفظ التصدير: { $path }
export-title = تصدير قائمة الملفات
settings-title = الإعدادات
settings-account = حساب كوريدور
settings-server = عنوان الخادم
settings-user = اسم المستخدم
settings-password = كلمة المرور
sign-in = تسجيل الدخول
sign-out = تسجيل الخروج
signed-in-as = متصل باسم { $user } ({ $role }) على { $server }
settings-regions = الجهات: { $regions }
settings-lock-delay = القفل التلقائي بعد (دقائق)
settings-device = هذا الجهاز
settings-data-dir = البيانات محفوظة في: { $dir }
settings-version = الإصدار { $version }
placeholder-soon = ستتوفر هذه الشاشة في إصدار قادم.
search-label = البحث عن ملف
search-placeholder = بحث… (Ctrl+K)
search-busy = جارٍ البحث…
search-none = لا يوجد ملف مطابق.
search-count = { $count ->
    [zero] لا ملفات
    [one] ملف واحد
    [two] ملفان
    [few] { $count } ملفات
   *[other] { $count } ملفًا
}
status-draft = مسودة
status-submitted = مُقدَّم
status-qualified = مؤهَّل
status-transmitted_to_cnss = محال على CNSS
status-in_progress = قيد المعالجة
status-awaiting_employer = في انتظار المشغّل
status-awaiting_cnss = في انتظار CNSS
status-resolved = تمت التسوية
status-rejected = مرفوض
status-closed = مغلق
category-blocked_benefit = تعويضات متوقفة
category-e_services = الخدمات الإلكترونية / ضمانكم
category-debt_schedule = التحصيل وجدولة الديون
category-inspection = المراقبة والتصحيح
category-affiliation = التسجيل / الانخراط
category-salary_declaration = التصريح بالأجور
category-dispute = نزاع / خلاف
category-other = أخرى
priority-low = منخفضة
priority-normal = عادية
priority-high = مرتفعة
priority-urgent = مستعجلة
visibility-shared = مشتركة
visibility-cgem = داخلية CGEM
visibility-cnss = داخلية CNSS
sla-not_started = لم يبدأ
sla-on_time = في الآجال
sla-near = أجل قريب
sla-breached = متجاوز
sla-met = أُنجز في الأجل
sla-met_late = أُنجز بعد الأجل
role-cgem_officer = مكلف بالممر CGEM
role-cnss_rep = ممثل الصندوق
role-committee = اللجنة الدائمة
role-admin = مسؤول النظام
region-MA-01 = طنجة تطوان الحسيمة
region-MA-02 = الشرق
region-MA-03 = فاس مكناس
region-MA-04 = الرباط سلا القنيطرة
region-MA-05 = بني ملال خنيفرة
region-MA-06 = الدار البيضاء سطات
region-MA-07 = مراكش آسفي
region-MA-08 = درعة تافيلالت
region-MA-09 = سوس ماسة
region-MA-10 = كلميم واد نون
region-MA-11 = العيون الساقية الحمراء
region-MA-12 = الداخلة واد الذهب
institution-cgem = CGEM
institution-cnss = CNSS
error-locked = الخزنة المحلية مقفلة: افتحها للمتابعة.
error-internal = خطأ داخلي: أعد المحاولة؛ وإذا تكرر، فأبلغ به مسؤول الممر.
error-bad_request = رُفض الطلب: إنه ناقص أو غير سليم الصياغة. أعد المحاولة؛ وإذا تكرر ذلك، فحدّث التطبيق.
error-file_write = تتعذر كتابة الملف في هذا الموضع: اختر موضعًا آخر.
error-open_failed = لم يتمكن أي تطبيق على هذا الجهاز من فتح هذا الملف.
error-notify_failed = إشعارات سطح المكتب غير متاحة على هذا الجهاز.
## الإدخال
error-invalid_ice = رقم ICE «{ $value }» غير صحيح: { $problem ->
    [checksum] مفتاح التحقق غير مطابق (تحقق من الإدخال).
   *[format] يجب أن يتكون من 15 رقمًا بالضبط.
}
error-invalid_cnss_number = رقم الانخراط في CNSS «{ $value }» غير صحيح: يجب أن يتكون من 7 أرقام.
error-unknown_region = الجهة «{ $value }» غير معروفة.
error-unknown_category = الفئة «{ $value }» غير معروفة.
error-unknown_status = الحالة «{ $value }» غير معروفة.
error-unknown_code = القيمة «{ $value }» غير معروفة بالنسبة للحقل «{ $field }».
error-invalid_amount = المبلغ «{ $value }» غير صالح: أدخل مبلغًا بالدرهم، مثلًا 12 450,50.
error-invalid_phone = رقم الهاتف «{ $value }» غير صالح: مثلًا 06 12 34 56 78 أو +212 6 12 34 56 78.
error-invalid_email = عنوان البريد الإلكتروني «{ $value }» غير صالح.
error-invalid_datetime = التاريخ والساعة «{ $value }» غير صالحين: مثلًا 2026-12-03 10:00 (بتوقيت الدار البيضاء).
error-invalid_date = التاريخ «{ $value }» غير صالح: مثلًا 2026-12-31.
error-invalid_progress = نسبة التقدم «{ $value }» غير صالحة: يلزم إدخال نسبة مئوية من 0 إلى 100.
error-invalid_tag = الوسم «{ $value }» غير صالح: يجب أن يتكوّن من 1 إلى 40 حرفًا دون الفاصلة «,».
error-required = الحقل «{ $field }» إلزامي.
error-too_long = الحقل «{ $field }» يتجاوز الحد الأقصى لعدد الأحرف ({ $max }).
error-invalid_value = قيمة غير صالحة للحقل «{ $field }».
## مسار الملف
error-forbidden_transition = الانتقال من «{ $from }» إلى «{ $to }» غير مسموح به: لا تتاح إلا الانتقالات المقترحة على الملف.
error-reason_required = الانتقال من «{ $from }» إلى «{ $to }» يستلزم ذكر السبب.
error-open_children = لا يمكن إغلاق هذا الملف: لا تزال ملفات فرعية مفتوحة ({ $count }).
error-stale_status = سبق أن انتقل الملف { $reference } إلى حالة «{ $status }»، لذا لم يُطبَّق تغيير حالته من «{ $from }» إلى «{ $to }».
error-forbidden_role = الانتقال من «{ $from }» إلى «{ $to }» من اختصاص { $institution }: دورك لا يسمح بذلك.
## قواعد الممر
error-read_only = يسمح لك دورك بالاطلاع على الملفات والاجتماعات، لا بتعديلها.
error-committee_only = خارطة الطريق المشتركة من اختصاص اللجنة الدائمة.
error-out_of_scope = الجهة { $region } لا تدخل في نطاق اختصاصك.
error-unknown_case = تعذر العثور على الملف: إما أنه غير موجود أو لا يدخل في نطاق اختصاصك.
error-unknown_enterprise = مقاولة غير معروفة: سجّلها قبل فتح ملف.
error-unknown_meeting = تعذر العثور على الاجتماع، أو أنه يخص جهة لا تدخل في نطاق اختصاصك.
error-unknown_roadmap_item = تعذر العثور على مشروع خارطة الطريق.
error-unknown_action = تعذر العثور على الإجراء في هذا الاجتماع.
error-unknown_milestone = تعذر العثور على المرحلة في مشروع خارطة الطريق هذا.
error-unknown_conflict = هذا التعارض غير موجود أو سبق حسمه.
error-already_resolved = سبق حسم هذا التعارض.
error-duplicate = رُفض التعديل: هذا المعرّف مستعمل من قبلُ { $kind ->
    [enterprise] لمقاولة.
    [case] لملف.
    [event] لحدث في التسلسل الزمني.
    [meeting] لاجتماع.
   *[roadmap] لمشروع في خارطة الطريق.
}
error-duplicate_ice = توجد من قبلُ مقاولة برقم ICE { $ice }.
error-forbidden_visibility = لا يمكنك كتابة ملاحظة داخلية خاصة بالمؤسسة الأخرى: اختر «مشتركة» أو مؤسستك.
error-stale = { $what ->
    [enterprise] عدّل شخص آخر بطاقة المقاولة
    [minutes] عدّل شخص آخر محضر الاجتماع
   *[roadmap] عدّل شخص آخر مشروع خارطة الطريق هذا
} في غضون ذلك: لم يُطبَّق تعديلك. اطّلع على النسخة الحالية وأعد التعديل عند الحاجة.
error-self_link = لا يمكن ربط ملف بنفسه.
error-link_cycle = رُفض الربط: سيصبح هذا الملف أصلًا لنفسه.
error-not_on_agenda = هذا الملف غير مدرج في جدول أعمال الاجتماع: أضفه أولًا.
error-other_region = الملف { $reference } ({ $region }) لا ينتمي إلى جهة الاجتماع ({ $meeting_region }).
error-unreadable_mutation = تعديل تعذرت على الخادم قراءته: لم يُطبَّق؛ حدّث التطبيق إذا تكررت المشكلة.
error-withdrawn = سحب هذا الجهاز التعديل قبل إرساله: الجهة التي يخصها لم تعد ضمن جهاتك.
error-invalid_sequence = تعديل بترقيم خاطئ من هذا الجهاز: لم يُطبَّق.
## المرفقات
error-invalid_hash = بصمة المرفق غير صالحة.
error-attachment_too_large = الملف كبير جدًا: الحد الأقصى هو { $max_mb } ميغابايت.
error-unknown_attachment = تعذر العثور على المرفق، أو لم يُستلم محتواه بعد.
error-attachment_size_mismatch = الحجم المعلن للمرفق «{ $name }» ({ $size } بايت) لا يطابق حجم محتواه ({ $actual } بايت).
error-empty_attachment = الملف «{ $name }» فارغ: لم يُرفق شيء.
error-damaged_attachment = المرفق «{ $name }» تالف أو مفقود على هذا الجهاز: سيُنزَّل من جديد عند المزامنة القادمة.
error-attachment_not_uploaded = لم يصل محتوى هذا المرفق إلى الخادم بعد: سيُرسَل عند المزامنة القادمة.
error-hash_mismatch = الملف الذي استلمه الخادم لا يطابق بصمته: سيُعاد إرساله.
error-size_mismatch = الملف الذي استلمه الخادم ليس بالحجم المعلن: سيُعاد إرساله.
error-wrong_offset = استُؤنف إرسال الملف من موضع خاطئ: سيُستأنف عند المزامنة القادمة.
error-quota_exceeded = بلغت حصة إرسال المرفقات حدها: ستُرسَل الملفات المتبقية لاحقًا.
## الخزنة المحلية
error-wrong_passphrase = عبارة المرور غير صحيحة: لم تُفتح الخزنة المحلية ولم يُعدَّل أي شيء.
error-passphrase_required = هذه الخزنة المحلية محمية بعبارة مرور: أدخلها.
error-passphrase_too_short = يجب أن تتكون عبارة المرور من { $min } أحرف على الأقل.
error-keyring_unavailable = لا تتوفر أي سلسلة مفاتيح للنظام: احمِ الخزنة بعبارة مرور.
error-key_missing = مفتاح هذه الخزنة غير موجود في سلسلة مفاتيح النظام: لا يمكن فتح الخزنة بهذا الحساب.
error-already_initialized = توجد خزنة محلية هنا من قبلُ: لم يُعدَّل فيها شيء.
error-not_initialized = لا توجد خزنة محلية على هذا الجهاز: أنشئ واحدة.
error-corrupt_key_file = ملف مفتاح الخزنة غير مقروء أو تالف: لم يُعدَّل.
error-corrupt_database = الخزنة المحلية غير مقروءة (تالفة أو من مصدر آخر): لم تُعدَّل.
error-not_passphrase_protected = هذه الخزنة المحلية محمية بسلسلة مفاتيح النظام، لا بعبارة مرور.
error-nothing_to_change = لا يوجد أي تعديل: القيم المدخلة هي نفسها قيم الملف.
error-import_line = رُفض السطر { $line }: لم يُستورد شيء.
error-file = الملف غير مقروء أو تتعذر الكتابة فيه.
error-unknown_item = لا يوجد أي عنصر «{ $value }».
error-ambiguous_id = المعرّف «{ $value }» يطابق عدة عناصر: أدخل أحرفًا إضافية.
error-disk_full = قرص هذا الجهاز ممتلئ: لم يُحفَظ شيء، وما سبق حفظه ظل سليمًا. حرِّر بعض المساحة ثم أعد المحاولة.
error-database = خطأ في الخزنة المحلية: أعد المحاولة؛ لم يضع شيء مما كان محفوظًا.
error-io = خطأ في الوصول إلى ملفات هذا الجهاز (القرص ممتلئ أو الصلاحيات غير كافية؟).
## الخادم والمزامنة
error-server_unreachable = خادم الممر لا يستجيب: تحقق من الاتصال. يبقى عملك محفوظا على هذا الجهاز.
error-invalid_server_url = عنوان الخادم غير صالح (https://… أو http:// نحو هذا الجهاز فقط).
error-invalid_ca_file = ملف سلطات التصديق المحدد (CORRIDOR_CA_FILE) غير مقروء أو لا يحتوي على أي شهادة.
error-not_logged_in = هذا الجهاز غير متصل بأي خادم: سجّل الدخول من الإعدادات.
error-device_revoked = ألغى المسؤول ترخيص هذا الجهاز: تم مسح بياناته المحلية.
error-device_of_another_user = هذا الجهاز مسجل باسم مستخدم آخر.
error-wrong_device = هذه الجلسة تخص جهازًا آخر: أعد تسجيل الدخول.
error-duplicate_user = اسم المستخدم هذا مستعمل من قبلُ.
error-unauthenticated = الجلسة غير موجودة أو منتهية الصلاحية: أعد تسجيل الدخول من الإعدادات.
error-bad_credentials = اسم المستخدم أو كلمة المرور غير صحيحة.
error-account_disabled = هذا الحساب معطّل: تواصل مع مسؤول الممر.
error-password_reset_required = أُلغي جهاز تابع لهذا الحساب: اطلب كلمة مرور جديدة من مسؤول الممر.
error-session_expired = انتهت صلاحية جلستك: أعد تسجيل الدخول من الإعدادات. يبقى عملك محفوظا على هذا الجهاز.
error-too_many_attempts = محاولات دخول كثيرة جدا: أعد المحاولة بعد خمس عشرة دقيقة.
error-unavailable = خادم الممر مثقل بالطلبات: أعد المحاولة بعد لحظات. يبقى عملك محفوظا على هذا الجهاز.
error-sequence_gap = لم يتلقَّ الخادم بعض تعديلات هذا الجهاز: سيُعاد إرسالها عند المزامنة القادمة.
error-payload_too_large = حجم الإرسال كبير جدًا بالنسبة للخادم: سيُقسَّم عند المزامنة القادمة.
error-redirect = طلب الخادم إعادة التوجيه نحو «{ $location }»، وقد رُفض ذلك: تحقق من عنوان الخادم.
error-http = ردّ الخادم بخطأ ({ $status }).
error-http_5xx = خادم الممر يواجه صعوبات ({ $status }): أعد المحاولة لاحقًا. يبقى عملك محفوظا على هذا الجهاز.
error-no_session_token = لم يفتح الخادم أي جلسة: أعد محاولة تسجيل الدخول.
## الحقول المذكورة في رسائل الخطأ
field-note = الملاحظة
field-reason = السبب
field-enterprise_name = الاسم التجاري
field-city = المدينة
field-trade_register = السجل التجاري
field-legal_form = الشكل القانوني
field-sector = القطاع
field-contacts = جهات الاتصال
field-contact_name = اسم جهة الاتصال
field-size_class = حجم المقاولة
field-assignee = المكلف
field-file_name = اسم الملف
field-file_type = نوع الملف
field-meeting_title = عنوان الاجتماع
field-place = المكان
field-participant = المشارك
field-decision = القرار
field-minutes = المحضر
field-action = الإجراء
field-action_owner = المكلف بالإجراء
field-action_side = المؤسسة المسؤولة
field-project = المشروع
field-roadmap_status = حالة المشروع
field-milestone = المرحلة
field-visibility = الظهور
field-institution = المؤسسة
field-choice = الاختيار
field-user = المستخدم
field-role = الدور
field-sort = الترتيب
field-deadline = الأجل
field-export_format = صيغة التصدير
## التعديلات المرفوضة
change-create_enterprise = مقاولة جديدة
change-update_enterprise = تعديل بطاقة مقاولة
change-create_case = ملف جديد
change-edit_case = تعديل ملف
change-transition_case = تغيير الحالة
change-assign_case = إسناد
change-add_note = ملاحظة
change-tag_case = الوسوم
change-attach_file = مرفق
change-create_meeting = اجتماع جديد
change-add_participant = مشارك
change-add_agenda_case = جدول الأعمال
change-record_decision = قرار
change-set_minutes = محضر
change-add_action = إجراء
change-complete_action = إجراء منجز
change-create_roadmap_item = مشروع جديد
change-update_roadmap_item = تحديث مشروع
change-add_milestone = مرحلة
change-complete_milestone = مرحلة منجزة
change-link_cases = ربط بين ملفات
change-resolve_conflict = حسم تعارض
change-withdrawn = تعديل مسحوب
change-unreadable = تعديل غير مقروء
## استيراد المقاولات
error-malformed_line = سطر غير سليم الصياغة: تحقق من عدد الأعمدة ومن علامات التنصيص.
error-duplicate_in_file = رقم ICE { $ice } وارد من قبلُ في السطر { $line } من الملف.
